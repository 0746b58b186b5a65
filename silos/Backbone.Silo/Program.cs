using Backbone.Silo.Hosting;

var app = BackboneHost.Create(args);
await app.RunAsync();
