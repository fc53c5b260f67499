namespace NotebookKit.Runner;

/// <summary>
/// What a cell sees besides its own code, as in the C# kernel: <c>display(value)</c> shows a value through the
/// formatters and returns a handle whose <c>Update(value)</c> replaces it.
/// </summary>
public sealed class CellGlobals
{
    internal CellOutputs Outputs { get; set; } = new();

#pragma warning disable IDE1006 // the kernel's name is lower case
    public DisplayedValue display(object? value, params string[] mimeTypes)
    {
        var outputs = Outputs;
        int index = outputs.AddDisplay(value, mimeTypes);
        return new DisplayedValue(outputs, index, mimeTypes);
    }
#pragma warning restore IDE1006
}
