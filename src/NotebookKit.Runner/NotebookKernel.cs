using System.Reactive.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis.Scripting;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.CSharp;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.PackageManagement;

namespace NotebookKit.Runner;

/// <summary>
/// The released .NET Interactive C# kernel, configured as its app (dotnet-interactive, what VS Code and Jupyter start)
/// configures it: a composite kernel around the C# kernel with <c>#r "nuget:"</c>/<c>#i</c> restoring through the
/// SDK like any pinned package in VS Code, the kernel helpers (<c>display</c>), <c>#!who</c>, value sharing, package
/// extensions (<c>interactive-extensions/dotnet</c>) and the notebook front end's formatting defaults.
/// </summary>
public static class NotebookKernel
{
    public static CompositeKernel Create()
    {
        // The app's defaults for notebook front ends (KernelBuilder.SetUpFormatters): HTML, strings as plain text.
        Formatter.DefaultMimeType = HtmlFormatter.MimeType;
        Formatter.SetPreferredMimeTypesFor(typeof(string), PlainTextFormatter.MimeType);

        var csharp = new CSharpKernel()
            .UseNugetDirective((kernel, packages) =>
            {
                kernel.AddAssemblyReferences(packages.SelectMany(p => p.AssemblyPaths));
                return Task.CompletedTask;
            })
            .UseKernelHelpers()
            .UseWho()
            .UseValueSharing();
        EmitLineNumbers(csharp);

        var composite = new CompositeKernel();
        composite.Add(csharp, ["c#", "C#"]);
        composite.DefaultKernelName = csharp.Name;
        UsePackageExtensions(composite);
        return composite;
    }

    /// <summary>
    /// The kernel compiles cells without debug information, so a runtime exception carries no line. nbkit asks Roslyn
    /// for it (nothing else changes: same optimisation level, same code), so a failure names the cell's line.
    /// </summary>
    static void EmitLineNumbers(CSharpKernel kernel)
    {
        var field = typeof(CSharpKernel).GetField("_scriptOptions", BindingFlags.Instance | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException(
                "CSharpKernel has no _scriptOptions field: the kernel version changed, update NotebookKernel.EmitLineNumbers.");
        var options = (ScriptOptions)field.GetValue(kernel)!;
        field.SetValue(kernel, options.WithEmitDebugInformation(true));
    }

    /// <summary>
    /// After a command, load each newly added package's <c>interactive-extensions/dotnet</c>: its IKernelExtension
    /// assemblies and its extension.dib, announced as the app announces them (its KernelExtensionLoader).
    /// </summary>
    static void UsePackageExtensions(CompositeKernel kernel)
    {
        var pending = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        kernel.RegisterForDisposal(kernel.KernelEvents.OfType<PackageAdded>()
            .Where(added => added.PackageReference.PackageRoot is not null)
            .Subscribe(added =>
            {
                lock (seen)
                    if (seen.Add(added.PackageReference.PackageRoot)) pending.Enqueue(added.PackageReference.PackageRoot);
            }));
        kernel.AddMiddleware(async (command, context, next) =>
        {
            await next(command, context);
            while (pending.TryDequeue(out var root))
            {
                var folder = new DirectoryInfo(Path.Combine(root, "interactive-extensions", "dotnet"));
                if (!folder.Exists) continue;
                foreach (var dll in folder.GetFiles("*.dll")) await LoadExtensionAssembly(kernel, dll, context);
                var dib = new FileInfo(Path.Combine(folder.FullName, "extension.dib"));
                if (!dib.Exists) continue;
                KernelInvocationContextExtensions.Display(context, $"Loading extension script from `{dib.FullName}`");
                await kernel.LoadAndRunInteractiveDocument(dib, context.Command);
            }
        });
    }

    static async Task LoadExtensionAssembly(Kernel kernel, FileInfo dll, KernelInvocationContext context)
    {
        var assembly = System.Runtime.Loader.AssemblyLoadContext.Default.LoadFromAssemblyPath(dll.FullName);
        var types = assembly.ExportedTypes
            .Where(t => !t.IsAbstract && !t.IsInterface && !t.IsGenericTypeDefinition && typeof(IKernelExtension).IsAssignableFrom(t))
            .ToArray();
        if (types.Length > 0) KernelInvocationContextExtensions.Display(context, $"Loading extensions from `{assembly.Location}`");
        foreach (var type in types)
        {
            var extension = (IKernelExtension)Activator.CreateInstance(type)!;
            await extension.OnLoadAsync(kernel);
            context.Publish(new KernelExtensionLoaded(extension, context.Command));
        }
    }
}
