using System.Reflection;

namespace NotebookKit.Display;

/// <summary>
/// One notebook output that is replaced in place: the kernel's <c>display(value)</c> and its <c>Update(value)</c>
/// (VS Code, Jupyter and nbkit all show the update in the same output). The kernel is reached by reflection, as the
/// kit's formatters are, so the kit needs no kernel package; outside a kernel cell there is nothing to show into.
/// </summary>
public sealed class LiveDisplay
{
    const string KernelAssembly = "Microsoft.DotNet.Interactive";
    readonly object context;
    readonly MethodInfo display;
    readonly object gate = new();
    object? shown;   // the kernel's DisplayedValue, once Show has displayed
    MethodInfo? update;

    LiveDisplay(object context, MethodInfo display) => (this.context, this.display) = (context, display);

    /// <summary>
    /// The cell that is running on this thread, to show into later (from any thread), or null when no kernel cell runs
    /// here (a console app, a test). Shows nothing yet.
    /// </summary>
    public static LiveDisplay? ForCurrentCell()
    {
        var kernel = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == KernelAssembly);
        var contextType = kernel?.GetType(KernelAssembly + ".KernelInvocationContext");
        var context = contextType?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
        var display = kernel?.GetType(KernelAssembly + ".KernelInvocationContextExtensions")
            ?.GetMethod("Display", BindingFlags.Public | BindingFlags.Static, [contextType!, typeof(object), typeof(string[])]);
        return context is null || display is null ? null : new LiveDisplay(context, display);
    }

    /// <summary>Shows <paramref name="value"/> (through the formatters, as <c>display</c> does) the first time, then
    /// replaces the same output with each later value.</summary>
    public void Show(object value)
    {
        lock (gate)
        {
            if (shown is null)
            {
                shown = display.Invoke(null, [context, value, Array.Empty<string>()]);
                update = shown?.GetType().GetMethod("Update", [typeof(object)]);
            }
            else update?.Invoke(shown, [value]);
        }
    }
}
