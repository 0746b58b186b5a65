using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Globalization;
using System.Text.Json;
using Backbone.Grains.Abstractions.Errors;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Backbone.Silo.Gateway;

/// <summary>
/// Checks a JSON gateway request against its RPC's request message before transcoding reads it, and names
/// every field that is wrong: a value of the wrong JSON type, a whole number out of range, an enum name the
/// message does not have, two members of one oneof, and a field the message does not have (transcoding drops
/// those silently, so a misspelt optional field would be lost without a word). Transcoding's own answer to a
/// wrong type names no field ("Request JSON payload is not correctly formatted."). The rules are transcoding's
/// own, so what passes here it reads as before; a rule only it knows still gets its unnamed answer.
/// </summary>
public static class JsonRequestShape
{
    private const string NotText = "must be text: valid UTF-8, without half of a UTF-16 surrogate pair";

    private static readonly ConcurrentDictionary<MessageDescriptor, FrozenDictionary<string, FieldDescriptor>> FieldsByName = new();

    /// <summary>
    /// The body, read as the RPC's request (a route with <c>body: "*"</c>, <paramref name="field"/> null) or as the one
    /// field of it that the route's <c>body</c> names.
    /// </summary>
    public static void CheckBody(JsonElement body, MessageDescriptor request, FieldDescriptor? field, List<FieldViolation> violations)
    {
        try
        {
            if (field is not null)
            {
                CheckField(field, body, field.Name, violations);
            }
            else if (body.ValueKind != JsonValueKind.Object)
            {
                violations.Add(new FieldViolation("body", "must be a JSON object"));
            }
            else
            {
                CheckMessage(body, request, string.Empty, violations);
            }
        }
        catch (InvalidOperationException)
        {
            // A property's name that is not text: invalid UTF-8, or half of a UTF-16 surrogate pair (values are checked one by one).
            violations.Add(new FieldViolation("body", NotText));
        }
    }

    /// <summary>
    /// A query parameter bound to a field of the request (<c>page_size=20</c>, <c>location.latitude=30.6</c>). Parameters
    /// that name no field are left alone: browsers and mini-program frameworks add their own (cache busters).
    /// </summary>
    public static void CheckQuery(string name, IEnumerable<string?> values, MessageDescriptor message, List<FieldViolation> violations)
    {
        FieldDescriptor? field = null;
        var path = new List<string>();
        foreach (var part in name.Split('.'))
        {
            if (field is not null && (field.FieldType != FieldType.Message || field.IsRepeated))
            {
                return;
            }

            field = Find(field?.MessageType ?? message, part);
            if (field is null)
            {
                return;
            }

            path.Add(field.Name);
        }

        if (field is null)
        {
            return;
        }

        foreach (var value in values)
        {
            if (QueryValueProblem(field, value ?? string.Empty) is { } problem)
            {
                violations.Add(new FieldViolation(string.Join('.', path), problem));
                return;
            }
        }
    }

    private static void CheckMessage(JsonElement json, MessageDescriptor message, string path, List<FieldViolation> violations)
    {
        List<OneofDescriptor>? oneofsSet = null;
        foreach (var property in json.EnumerateObject())
        {
            if (violations.Count >= DomainException.MaxViolations)
            {
                return;
            }

            var field = Find(message, property.Name);
            var fieldPath = Join(path, field?.Name ?? property.Name);
            if (field is null)
            {
                violations.Add(new FieldViolation(fieldPath, UnknownFieldDescription(message, property.Name)));
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.Null)
            {
                continue; // the field's default, as proto3's JSON mapping reads null
            }

            if (field.RealContainingOneof is { } oneof)
            {
                oneofsSet ??= [];
                if (oneofsSet.Contains(oneof))
                {
                    violations.Add(new FieldViolation(fieldPath, $"only one of {string.Join(", ", oneof.Fields.Select(f => f.Name))} may be set"));
                    continue;
                }

                oneofsSet.Add(oneof);
            }

            CheckField(field, property.Value, fieldPath, violations);
        }
    }

    private static void CheckField(FieldDescriptor field, JsonElement value, string path, List<FieldViolation> violations)
    {
        if (field.IsMap)
        {
            if (value.ValueKind != JsonValueKind.Object)
            {
                violations.Add(new FieldViolation(path, "must be a JSON object"));
                return;
            }

            var valueField = field.MessageType.FindFieldByNumber(2);
            foreach (var entry in value.EnumerateObject().TakeWhile(_ => violations.Count < DomainException.MaxViolations))
            {
                CheckSingle(valueField, entry.Value, $"{path}[{entry.Name}]", violations);
            }
        }
        else if (field.IsRepeated)
        {
            if (value.ValueKind != JsonValueKind.Array)
            {
                violations.Add(new FieldViolation(path, "must be a JSON array"));
                return;
            }

            var index = 0;
            foreach (var element in value.EnumerateArray().TakeWhile(_ => violations.Count < DomainException.MaxViolations))
            {
                CheckSingle(field, element, $"{path}[{index++}]", violations);
            }
        }
        else
        {
            CheckSingle(field, value, path, violations);
        }
    }

    private static void CheckSingle(FieldDescriptor field, JsonElement value, string path, List<FieldViolation> violations)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            if (field.IsRepeated || field.ContainingType.IsMapEntry)
            {
                violations.Add(new FieldViolation(path, "must not be null"));
            }

            return;
        }

        if (field.FieldType is FieldType.Message or FieldType.Group)
        {
            CheckMessageValue(field.MessageType, value, path, violations);
        }
        else if (ScalarProblem(field, value) is { } problem)
        {
            violations.Add(new FieldViolation(path, problem));
        }
    }

    private static void CheckMessageValue(MessageDescriptor type, JsonElement value, string path, List<FieldViolation> violations)
    {
        switch (type.FullName)
        {
            case "google.protobuf.Timestamp" or "google.protobuf.Duration" or "google.protobuf.FieldMask":
                if (value.ValueKind != JsonValueKind.String || !TryGetText(value, out var text) || !IsWellKnownText(type, text))
                {
                    violations.Add(new FieldViolation(path, WellKnownDescription(type)));
                }

                return;
            case "google.protobuf.Value":
                return;
            case "google.protobuf.ListValue":
                if (value.ValueKind != JsonValueKind.Array)
                {
                    violations.Add(new FieldViolation(path, "must be a JSON array"));
                }

                return;
            case "google.protobuf.Struct" or "google.protobuf.Any" or "google.protobuf.Empty":
                if (value.ValueKind != JsonValueKind.Object)
                {
                    violations.Add(new FieldViolation(path, "must be a JSON object"));
                }

                return;
        }

        if (IsWrapper(type))
        {
            CheckSingle(type.FindFieldByNumber(1), value, path, violations); // a wrapper is written as the value it wraps
        }
        else if (value.ValueKind != JsonValueKind.Object)
        {
            violations.Add(new FieldViolation(path, "must be a JSON object"));
        }
        else
        {
            CheckMessage(value, type, path, violations);
        }
    }

    // As transcoding reads each type (System.Text.Json with its converters): 32-bit numbers and floating point only as JSON
    // numbers (floating point also as "NaN", "Infinity", "-Infinity"), 64-bit ones also as strings of digits.
    private static string? ScalarProblem(FieldDescriptor field, JsonElement value) => field.FieldType switch
    {
        FieldType.String => value.ValueKind != JsonValueKind.String ? "must be a string" : TryGetText(value, out _) ? null : NotText,
        FieldType.Bytes => value.ValueKind == JsonValueKind.String ? null : "must be a base64 string",
        FieldType.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False ? null : "must be true or false",
        FieldType.Double => (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out _)) || IsNamedFloat(value) ? null : "must be a number",
        FieldType.Float => (value.ValueKind == JsonValueKind.Number && value.TryGetSingle(out var single) && float.IsFinite(single)) || IsNamedFloat(value)
            ? null : "must be a number",
        FieldType.Enum => value.ValueKind switch // by its full name (transcoding's RemoveEnumPrefix is left off) or number
        {
            JsonValueKind.String when TryGetText(value, out var name) && field.EnumType.FindValueByName(name) is not null => null,
            JsonValueKind.Number when value.TryGetInt32(out _) => null,
            _ => EnumDescription(field.EnumType),
        },
        _ => WholeNumberProblem(field.FieldType, value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String when Range(field.FieldType).Max > uint.MaxValue && TryGetText(value, out var text) => text,
            _ => null,
        }),
    };

    private static string? QueryValueProblem(FieldDescriptor field, string value) => field.FieldType switch
    {
        FieldType.Message when field.MessageType.FullName is "google.protobuf.Timestamp" or "google.protobuf.Duration" =>
            IsWellKnownText(field.MessageType, value) ? null : WellKnownDescription(field.MessageType),
        FieldType.Message when IsWrapper(field.MessageType) => QueryValueProblem(field.MessageType.FindFieldByNumber(1), value),
        FieldType.Message or FieldType.Group => null, // transcoding binds no other message from the query
        FieldType.String or FieldType.Bytes => null,
        FieldType.Bool => bool.TryParse(value, out _) ? null : "must be true or false",
        FieldType.Double or FieldType.Float => value is "NaN" or "Infinity" or "-Infinity"
            || double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) ? null : "must be a number",
        FieldType.Enum => field.EnumType.FindValueByName(value) is not null
            || int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? null : EnumDescription(field.EnumType),
        _ => WholeNumberProblem(field.FieldType, value),
    };

    private static bool IsNamedFloat(JsonElement value) =>
        value.ValueKind == JsonValueKind.String && TryGetText(value, out var text) && text is "NaN" or "Infinity" or "-Infinity";

    private static bool TryGetText(JsonElement value, out string text)
    {
        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            text = string.Empty;
            return false;
        }
    }

    // Whole numbers are written as such: 20, not 20.0 or 2e1.
    private static string? WholeNumberProblem(FieldType type, string? text)
    {
        var (min, max) = Range(type);
        var fits = text is not null && (min < 0
            ? long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var signed) && signed >= min && signed <= max
            : ulong.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unsigned) && unsigned <= max);
        return fits ? null : $"must be a whole number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
    }

    private static (decimal Min, decimal Max) Range(FieldType type) => type switch
    {
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => (int.MinValue, int.MaxValue),
        FieldType.UInt32 or FieldType.Fixed32 => (0, uint.MaxValue),
        FieldType.UInt64 or FieldType.Fixed64 => (0, ulong.MaxValue),
        _ => (long.MinValue, long.MaxValue),
    };

    private static bool IsWrapper(MessageDescriptor type) =>
        type.File.Package == "google.protobuf" && type.Name.EndsWith("Value", StringComparison.Ordinal) && type.Name is not ("Value" or "ListValue");

    private static string WellKnownDescription(MessageDescriptor type) => type.Name switch
    {
        "Timestamp" => "must be a time as an RFC 3339 string, such as \"2026-12-07T08:00:00Z\"",
        "Duration" => "must be a duration as a string of seconds, such as \"1.5s\"",
        _ => "must be a comma-separated string of field names",
    };

    // Read as Google.Protobuf reads them, whose JSON rules transcoding's converters follow.
    private static bool IsWellKnownText(MessageDescriptor type, string text)
    {
        if (type.Name == "FieldMask")
        {
            return true;
        }

        try
        {
            JsonParser.Default.Parse(JsonSerializer.Serialize(text), type);
            return true;
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or FormatException or ArgumentException)
        {
            return false;
        }
    }

    private static string EnumDescription(EnumDescriptor type) =>
        $"must be one of: {string.Join(", ", type.Values.Select(v => v.Name))}";

    private static string UnknownFieldDescription(MessageDescriptor message, string name)
    {
        // A misspelling: the same letters but for case and underscores, or two letters off.
        var spelt = name.Length > 64 ? string.Empty : name.Replace("_", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        var close = message.Fields.InDeclarationOrder().MinBy(f => Distance(spelt, f.JsonName.ToLowerInvariant()));
        return close is not null && spelt.Length > 0 && Distance(spelt, close.JsonName.ToLowerInvariant()) <= 2
            ? $"is not a field of {message.Name}; did you mean {close.JsonName}?"
            : $"is not a field of {message.Name}; its fields are: {string.Join(", ", message.Fields.InDeclarationOrder().Select(f => f.JsonName))}";
    }

    // Levenshtein: the fewest letters added, removed or changed to make one word the other.
    private static int Distance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }

    // Transcoding reads a field by its proto name or its JSON name, exactly as spelt.
    private static FieldDescriptor? Find(MessageDescriptor message, string name) =>
        FieldsByName.GetOrAdd(message, static m => m.Fields.InDeclarationOrder()
            .SelectMany(f => new[] { KeyValuePair.Create(f.Name, f), KeyValuePair.Create(f.JsonName, f) })
            .DistinctBy(pair => pair.Key)
            .ToFrozenDictionary())
        .GetValueOrDefault(name);

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";
}
