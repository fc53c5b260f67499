// Each test starts a kernel that builds and runs C#; two at once would only slow both down on CI's 2 cores.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
