using System.Buffers;
using System.Collections;
using System.Collections.Concurrent;
using Backbone.Grains.Abstractions.Errors;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Backbone.Silo.Errors;

/// <summary>
/// Every text field of every request is text: no control characters but tab, line feed and carriage return. A NUL,
/// a bell or an escape in a name or a description is never what a person typed, and stored it travels on to the
/// consoles, exports and databases the city's records reach (PostgreSQL refuses NUL in text outright). Checked
/// once here, before any service, in every string of the request (nested messages, lists and maps included), each
/// one named in a field violation, as the services name theirs.
/// </summary>
public sealed class TextFieldsInterceptor : Interceptor
{
    private static readonly SearchValues<char> Controls = SearchValues.Create(
        [.. Enumerable.Range(0, 32).Select(c => (char)c).Where(c => c is not ('\t' or '\n' or '\r')), '\u007F']);

    // Per message type, the fields that are text or may hold some (messages, lists and maps of them).
    private static readonly ConcurrentDictionary<MessageDescriptor, FieldDescriptor[]> Fields = new();

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, responseStream, context);
    }

    private static void Check(object request)
    {
        if (request is not IMessage message)
        {
            return;
        }

        List<FieldViolation>? violations = null;
        Walk(message, string.Empty, ref violations);
        if (violations is not null)
        {
            throw DomainException.InvalidArgument(violations);
        }
    }

    // A field's path ("attachment_refs[1]", "facility.name") is built only for a violation or a nested message, so a
    // request whose text is all clean allocates nothing here.
    private static void Walk(IMessage message, string path, ref List<FieldViolation>? violations)
    {
        foreach (var field in Fields.GetOrAdd(message.Descriptor, TextBearing))
        {
            switch (field.Accessor.GetValue(message))
            {
                case IDictionary map:
                    foreach (DictionaryEntry entry in map)
                    {
                        Visit(entry.Key, path, field, entry.Key, -1, ref violations);
                        Visit(entry.Value, path, field, entry.Key, -1, ref violations);
                    }

                    break;
                case IList list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        Visit(list[i], path, field, null, i, ref violations);
                    }

                    break;
                case var value:
                    Visit(value, path, field, null, -1, ref violations);
                    break;
            }
        }
    }

    // A value of the field, or of its map entry (key) or list element (index, -1 for none; not boxed, so that a list of
    // clean text allocates nothing either).
    private static void Visit(object? value, string path, FieldDescriptor field, object? key, int index, ref List<FieldViolation>? violations)
    {
        if (violations?.Count >= DomainException.MaxViolations)
        {
            return;
        }

        if (value is string text && text.AsSpan().ContainsAny(Controls))
        {
            (violations ??= []).Add(new FieldViolation(PathOf(path, field, key, index), "must be text without control characters (tab, line feed and carriage return are allowed)"));
        }
        else if (value is IMessage nested)
        {
            Walk(nested, PathOf(path, field, key, index), ref violations);
        }
    }

    private static string PathOf(string path, FieldDescriptor field, object? key, int index) =>
        (path.Length == 0 ? field.Name : $"{path}.{field.Name}") + (key is not null ? $"[{key}]" : index >= 0 ? $"[{index}]" : string.Empty);

    private static FieldDescriptor[] TextBearing(MessageDescriptor message) =>
    [
        .. message.Fields.InDeclarationOrder().Where(f => f.FieldType == FieldType.String
            || (f.FieldType == FieldType.Message && f.MessageType.FullName is not ("google.protobuf.Timestamp" or "google.protobuf.Duration"))),
    ];
}
