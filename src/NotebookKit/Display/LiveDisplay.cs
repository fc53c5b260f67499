using System.Reflection;
using Microsoft.DotNet.Interactive.Formatting;

namespace NotebookKit.Display;

/// <summary>
/// One notebook output that is replaced in place, e.g. a progress line. The kit publishes the kernel's own events: a
/// DisplayedValueProduced with a value id, then DisplayedValueUpdated events with the same id, which VS Code, Jupyter
/// (update_display_data) and nbkit apply to that output. The handle of the released kernel's <c>display(x)</c> cannot
/// do this: its <c>Update</c> names another id, so Jupyter drops the update and VS Code appends it as a new output.
/// The kernel is reached by reflection, as the kit's formatters are, so the kit needs no kernel package; outside a
/// kernel cell there is nothing to show into.
/// </summary>
public sealed class LiveDisplay
{
    const string Kernel = "Microsoft.DotNet.Interactive";
    readonly object context, command;
    readonly MethodInfo publish, createFormatted;
    readonly PropertyInfo? isComplete;
    readonly ConstructorInfo produced, updated;
    readonly string id = Guid.NewGuid().ToString("N");
    readonly object gate = new();
    bool shown;

    LiveDisplay(object context, object command, MethodInfo publish, MethodInfo createFormatted, ConstructorInfo produced, ConstructorInfo updated)
    {
        (this.context, this.command, this.publish, this.createFormatted, this.produced, this.updated) = (context, command, publish, createFormatted, produced, updated);
        isComplete = context.GetType().GetProperty("IsComplete");
    }

    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, LiveDisplay> ByCell = new();

    /// <summary>
    /// The output of the kernel cell that is running on this thread, to show into later (from any thread, while the
    /// cell runs); one per cell, so a cell that runs many studies (seeds, samplers) keeps one output. Null when no
    /// kernel cell runs here (a console app, a test) or the kernel's events are not the expected ones.
    /// </summary>
    public static LiveDisplay? ForCurrentCell()
    {
        var m = members ??= Reflect(); // looked up once the kernel is loaded; a console app looks again, cheaply
        var context = m?.Current.GetValue(null);
        var command = context is null ? null : m!.Command.GetValue(context);
        if (m is null || context is null || command is null) return null;
        return ByCell.GetValue(command, _ => new LiveDisplay(context, command, m.Publish, m.CreateFormatted, m.Produced, m.Updated));
    }

    sealed record Members(PropertyInfo Current, PropertyInfo Command, MethodInfo Publish, MethodInfo CreateFormatted,
        ConstructorInfo Produced, ConstructorInfo Updated);

    static Members? members;

    static Members? Reflect()
    {
        var kernel = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == Kernel);
        var contextType = kernel?.GetType(Kernel + ".KernelInvocationContext");
        var current = contextType?.GetProperty("Current", BindingFlags.Public | BindingFlags.Static);
        var command = contextType?.GetProperty("Command");
        var eventType = kernel?.GetType(Kernel + ".Events.KernelEvent");
        var publish = eventType is null ? null : contextType?.GetMethod("Publish", [eventType]);
        // DisplayedValueProduced(value, command, formattedValues, valueId); DisplayedValueUpdated(value, valueId, command, formattedValues)
        var produced = kernel?.GetType(Kernel + ".Events.DisplayedValueProduced")?.GetConstructors().FirstOrDefault(c => c.GetParameters().Length == 4);
        var updated = kernel?.GetType(Kernel + ".Events.DisplayedValueUpdated")?.GetConstructors().FirstOrDefault(c => c.GetParameters().Length == 4);
        var formattedType = produced?.GetParameters()[2].ParameterType.GetGenericArguments().FirstOrDefault();
        var createFormatted = formattedType?.GetMethod("CreateManyFromObject", [typeof(object), typeof(string[])]);
        return current is null || command is null || publish is null || produced is null || updated is null || createFormatted is null
            ? null : new Members(current, command, publish, createFormatted, produced, updated);
    }

    /// <summary>Shows <paramref name="value"/> through the formatters (its preferred MIME types, as <c>display</c>
    /// does) the first time, then replaces the same output with each later value. Once the cell has finished (work it
    /// started in the background goes on) there is no output to show into, and nothing is shown.</summary>
    public void Show(object value)
    {
        if (isComplete?.GetValue(context) is true) return;
        var formatted = createFormatted.Invoke(null, [value, Formatter.GetPreferredMimeTypesFor(value.GetType()).ToArray()]);
        lock (gate)
        {
            var e = shown ? updated.Invoke([value, id, command, formatted]) : produced.Invoke([value, command, formatted, id]);
            publish.Invoke(context, [e]);
            shown = true;
        }
    }
}
