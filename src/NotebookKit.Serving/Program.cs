using NotebookKit.Serving;

// dotnet run --project src/NotebookKit.Serving -- --model <package> [--name NAME] [--urls URL[;URL]] [--api-key KEY]
//     [--cert cert.pfx --cert-password PW] [--log requests.jsonl --log-sample 0.1] [--batch-budget-ms 1]
return await ServingProgram.RunAsync(args);
