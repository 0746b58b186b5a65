using Backbone.LoadTests;

return await LoadRun.MainAsync(args);
