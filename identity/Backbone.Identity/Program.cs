using Backbone.Identity.Hosting;

await IdentityHost.Create(args).RunAsync();
