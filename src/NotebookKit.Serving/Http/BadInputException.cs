namespace NotebookKit.Serving.Http;

/// <summary>A client error: answered with <see cref="Status"/> and <c>{"error": message, "field": field}</c>.</summary>
public sealed class BadInputException(int status, string field, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Field { get; } = field;
}
