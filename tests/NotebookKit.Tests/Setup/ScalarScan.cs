using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Operations;

namespace NotebookKit.Tests.Setup;

/// <summary>
/// Finds the TorchSharp calls that make a temporary Scalar (see src/NotebookKit/Setup/Held.cs): binds C# sources with
/// Roslyn against the TorchSharp this test runs with, so a number reaching a Scalar through a variable or a constant
/// counts as well as a literal.
/// </summary>
static class ScalarScan
{
    public sealed record Finding(string Path, int Line, string Code, string Reason)
    {
        public override string ToString() => $"{Path}:{Line}: {Reason}: {Code}";
    }

    // The SDK's implicit usings, which the kit's project turns on.
    const string GlobalUsings = """
        global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq;
        global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;
        """;

    /// <summary>Binds all <paramref name="sources"/> (path, text) together and scans those whose path is in <paramref name="scanned"/>.</summary>
    public static List<Finding> Find(IEnumerable<(string Path, string Text)> sources, IReadOnlyCollection<string> scanned)
    {
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        var trees = sources.Select(s => CSharpSyntaxTree.ParseText(s.Text, options, s.Path))
            .Append(CSharpSyntaxTree.ParseText(GlobalUsings, options, "GlobalUsings.cs")).ToList();
        var missing = scanned.Except(trees.Select(t => t.FilePath)).ToList();
        if (missing.Count > 0) throw new ArgumentException("Not among the sources: " + string.Join(", ", missing));
        var compilation = CSharpCompilation.Create("NotebookKit", trees, References(),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        var findings = new List<Finding>();
        foreach (var tree in trees.Where(t => scanned.Contains(t.FilePath)))
        {
            var model = compilation.GetSemanticModel(tree);
            var unbound = model.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            if (unbound.Count > 0) throw new InvalidOperationException($"{tree.FilePath} does not bind: {unbound[0]}");
            var roots = tree.GetRoot().DescendantNodes().Select(n => model.GetOperation(n)).Where(o => o is { Parent: null });
            foreach (var op in roots.SelectMany(r => r!.DescendantsAndSelf()))
                if (Reason(op) is string reason)
                    findings.Add(new(tree.FilePath, op.Syntax.GetLocation().GetLineSpan().StartLinePosition.Line + 1, op.Syntax.ToString(), reason));
        }
        return findings.Distinct().OrderBy(f => f.Path).ThenBy(f => f.Line).ToList();
    }

    static string? Reason(IOperation op) => op switch
    {
        IConversionOperation { OperatorMethod: not null } c when IsScalar(c.Type) => $"a temporary Scalar from '{c.Operand.Syntax}'",
        IBinaryOperation { OperatorMethod: { } m } b when IsTorch(m) => OperatorReason(m, b.OperatorKind),
        ICompoundAssignmentOperation { OperatorMethod: { } m } a when IsTorch(m) => OperatorReason(m, a.OperatorKind),
        IInvocationOperation { TargetMethod: var m } when IsTorch(m) && MakesItsOwnScalar(m) =>
            $"{m.Name} makes a temporary Scalar inside TorchSharp",
        _ => null,
    };

    static string? OperatorReason(IMethodSymbol m, BinaryOperatorKind kind)
    {
        if (m.Parameters.Any(p => p.Type.SpecialType is >= SpecialType.System_SByte and <= SpecialType.System_Double))
            return "TorchSharp turns the number into a temporary Scalar";
        if (kind == BinaryOperatorKind.Add) return "'+' is add(b, alpha: 1) with a temporary Scalar alpha";
        if (kind == BinaryOperatorKind.Subtract && IsScalar(m.Parameters[0].Type)) return "'s - t' is (-t).add(s, alpha: 1) with a temporary Scalar alpha";
        return null;
    }

    // TorchSharp 0.107 members that call another overload with a number (Tensor.Math.cs, Tensor.cs): square() is
    // pow(2), add(x) is add(x, 1), addcdiv(a, b) is addcdiv(a, b, 1), celu() is celu(1.0), elu(a) is elu(a, 1.0, 1.0).
    static bool MakesItsOwnScalar(IMethodSymbol m) => m.Name switch
    {
        "square" => true,
        "add" or "add_" => m.Parameters.Length == 1,
        "addcdiv" or "addcdiv_" => m.Parameters.Length == 2,
        "celu" or "celu_" or "elu" or "elu_" => true,
        _ => false,
    };

    static bool IsScalar(ITypeSymbol? t) => t?.ToDisplayString() == "TorchSharp.Scalar";

    static bool IsTorch(IMethodSymbol m) => m.ContainingAssembly?.Name == "TorchSharp";

    // The assemblies this test process runs with (the framework, TorchSharp and the kit's packages), but not the kit
    // itself: it comes from the sources.
    static List<MetadataReference> References() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => Path.GetFileNameWithoutExtension(p) is not ("NotebookKit" or "NotebookKit.Tests"))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
}
