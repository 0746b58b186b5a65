using System.Buffers;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.Serializers;
using Orleans.Serialization.WireProtocol;

namespace Backbone.Silo.Hosting;

/// <summary>
/// Writes the lists C# collection expressions make for <see cref="IReadOnlyList{T}"/> (compiler-generated types
/// such as <c>&lt;&gt;z__ReadOnlyArray&lt;T&gt;</c>, in <c>LateUnits = [.. late]</c>) exactly as arrays of their
/// elements, which every node reads back. Orleans has no codec for those types, and it does not remember that: it
/// searched all its codecs again for every such list it wrote, and then wrote it the slow way. Each case summary a
/// grid stores holds one, so that search was 5 % of a node's CPU in an appeal storm, and writing a grid's index of
/// 750 cases took twice as long as with arrays (perf and a micro-benchmark, docs/benchmarks.md).
/// </summary>
public sealed class CollectionExpressionCodec : ISpecializableCodec
{
    public static void AddTo(IServiceCollection services) => services.AddSingleton<ISpecializableCodec, CollectionExpressionCodec>();

    public bool IsSupportedType(Type type) =>
        type.Name.StartsWith("<>z__ReadOnly", StringComparison.Ordinal) && ElementType(type) is not null;

    public IFieldCodec GetSpecializedCodec(Type type) =>
        (IFieldCodec)Activator.CreateInstance(typeof(AsArray<>).MakeGenericType(ElementType(type)!))!;

    private static Type? ElementType(Type type) => type.GetInterfaces()
        .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))?.GetGenericArguments()[0];

    private sealed class AsArray<T> : IFieldCodec
    {
        public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, object? value)
            where TBufferWriter : IBufferWriter<byte> =>
            writer.Session.CodecProvider.GetCodec<T[]>().WriteField(ref writer, fieldIdDelta, expectedType, value is null ? null : [.. (IReadOnlyList<T>)value]);

        // Never named on the wire (written as T[]), but an untyped read must still work.
        public object ReadValue<TInput>(ref Reader<TInput> reader, Field field) =>
            reader.Session.CodecProvider.GetCodec<T[]>().ReadValue(ref reader, field)!;
    }
}
