// Shared by the library (at run time, before TorchSharp loads) and by the build
// (Directory.Build.targets compiles this file as an inline MSBuild task), so keep it
// to plain C# with explicit usings.
using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace NotebookKit.Setup
{
    /// <summary>
    /// Makes TorchSharp 0.107's native shim load on Debian 12.
    /// <para>
    /// <c>libLibTorchSharp.so</c> is linked with GCC 13 and asks for <c>GLIBCXX_3.4.32</c> for one symbol only,
    /// <c>std::ios_base_library_init</c>, which no relocation uses: GCC emits it to pin the libstdc++ version.
    /// Debian 12's libstdc++ stops at 3.4.30, so the loader refuses the library. Marking that one version
    /// requirement weak (VER_FLG_WEAK in its <c>.gnu.version_r</c> entry) lets the loader accept it.
    /// </para>
    /// The fix is idempotent and does nothing when the system libstdc++ already provides the version,
    /// or off Linux.
    /// </summary>
    public static class LibTorchSharpFix
    {
        public const string RequiredVersion = "GLIBCXX_3.4.32";
        const uint ShtGnuVerneed = 0x6ffffffe;
        const ushort VerFlagWeak = 0x2;

        static readonly string[] LibStdCxxCandidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
        };

        /// <summary>True on Linux when the system libstdc++ lacks <see cref="RequiredVersion"/>.</summary>
        public static bool IsNeeded()
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux)) return false;
            foreach (var path in LibStdCxxCandidates)
            {
                if (File.Exists(path))
                    return !FileContains(path, Encoding.ASCII.GetBytes(RequiredVersion + "\0"));
            }
            return false; // no libstdc++ found where we look: nothing we can safely judge
        }

        /// <summary>
        /// Marks the <see cref="RequiredVersion"/> need weak in one ELF file.
        /// Returns "patched", "already weak", "not needed by this file" or throws on a malformed file.
        /// </summary>
        public static string PatchFile(string path)
        {
            byte[] elf = File.ReadAllBytes(path);
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
                throw new InvalidDataException($"{path} is not an ELF file.");
            if (elf[4] != 2 || elf[5] != 1)
                throw new InvalidDataException($"{path} is not a 64-bit little-endian ELF file.");

            long shoff = (long)BitConverter.ToUInt64(elf, 0x28);
            int shentsize = BitConverter.ToUInt16(elf, 0x3A);
            int shnum = BitConverter.ToUInt16(elf, 0x3C);
            for (int i = 0; i < shnum; i++)
            {
                long sh = shoff + (long)i * shentsize;
                if (BitConverter.ToUInt32(elf, (int)sh + 4) != ShtGnuVerneed) continue;
                long offset = (long)BitConverter.ToUInt64(elf, (int)sh + 0x18);
                int link = (int)BitConverter.ToUInt32(elf, (int)sh + 0x28);
                int count = (int)BitConverter.ToUInt32(elf, (int)sh + 0x2C);
                long strtab = (long)BitConverter.ToUInt64(elf, (int)(shoff + (long)link * shentsize) + 0x18);

                long need = offset;
                for (int n = 0; n < count; n++)
                {
                    int auxCount = BitConverter.ToUInt16(elf, (int)need + 2);
                    long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                    for (int a = 0; a < auxCount; a++)
                    {
                        int name = (int)BitConverter.ToUInt32(elf, (int)aux + 8);
                        if (ReadCString(elf, strtab + name) == RequiredVersion)
                        {
                            int flagsAt = (int)aux + 4;
                            ushort flags = BitConverter.ToUInt16(elf, flagsAt);
                            if ((flags & VerFlagWeak) != 0) return "already weak";
                            flags |= VerFlagWeak;
                            elf[flagsAt] = (byte)(flags & 0xff);
                            elf[flagsAt + 1] = (byte)(flags >> 8);
                            // Write beside and rename, so a crash never leaves a half-written library.
                            // A unique name: parallel builds on a fresh machine patch the same cache copy at once.
                            string temp = $"{path}.nbkit-{Guid.NewGuid():N}.tmp";
                            File.WriteAllBytes(temp, elf);
                            File.Replace(temp, path, null);
                            return "patched";
                        }
                        aux += BitConverter.ToUInt32(elf, (int)aux + 12);
                    }
                    need += BitConverter.ToUInt32(elf, (int)need + 12);
                }
            }
            return "not needed by this file";
        }

        /// <summary>Applies the fix to every existing file in <paramref name="paths"/> when the system needs it.</summary>
        public static IReadOnlyList<string> Apply(IEnumerable<string> paths)
        {
            var report = new List<string>();
            if (!IsNeeded()) return report;
            foreach (var path in paths)
            {
                if (File.Exists(path)) report.Add(path + ": " + PatchFile(path));
            }
            return report;
        }

        static string ReadCString(byte[] bytes, long start)
        {
            long end = start;
            while (end < bytes.Length && bytes[end] != 0) end++;
            return Encoding.ASCII.GetString(bytes, (int)start, (int)(end - start));
        }

        static bool FileContains(string path, byte[] needle)
        {
            byte[] hay = File.ReadAllBytes(path);
            for (int i = 0; i <= hay.Length - needle.Length; i++)
            {
                int j = 0;
                while (j < needle.Length && hay[i + j] == needle[j]) j++;
                if (j == needle.Length) return true;
            }
            return false;
        }
    }

#if !NOTEBOOKKIT_LIBRARY
    /// <summary>The build step: patches TorchSharp's native shim in the NuGet cache before anything copies it.</summary>
    public class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public string[] Files { get; set; } = Array.Empty<string>();

        public override bool Execute()
        {
            foreach (var line in LibTorchSharpFix.Apply(Files))
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "NotebookKit Debian fix: " + line);
            return true;
        }
    }
#endif
}
