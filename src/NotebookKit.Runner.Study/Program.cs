using NotebookKit.Runner.Study;

// nbkit runs this for `nbkit study ...`; it can also be run on its own: dotnet nbkit-study.dll list sqlite:///x.db
return StudyCommand.Execute(args, Console.Out, Console.Error);
