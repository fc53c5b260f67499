// Kit.Setup and the chart session are process-wide, as in a notebook kernel: run tests one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
