using System.Collections;
using System.Collections.Generic;
using System.Linq;

namespace DeepCoro.Spec
{
    /// <summary>An immutable list with value equality, so that IR records compare by content.</summary>
    public sealed class EquatableList<T> : IReadOnlyList<T>, System.IEquatable<EquatableList<T>>
    {
        private readonly T[] items;

        public EquatableList(IEnumerable<T> items) => this.items = items.ToArray();

        public static readonly EquatableList<T> Empty = new EquatableList<T>(new T[0]);

        public T this[int index] => items[index];
        public int Count => items.Length;
        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)items).GetEnumerator();
        IEnumerator IEnumerable.GetEnumerator() => items.GetEnumerator();

        public bool Equals(EquatableList<T>? other) =>
            other != null && items.SequenceEqual(other.items);

        public override bool Equals(object? obj) => Equals(obj as EquatableList<T>);

        public override int GetHashCode()
        {
            unchecked
            {
                var hash = 17;
                foreach (var item in items) hash = hash * 31 + (item == null ? 0 : item.GetHashCode());
                return hash;
            }
        }

        public override string ToString() => "[" + string.Join(", ", items) + "]";
    }

    public static class EquatableList
    {
        public static EquatableList<T> ToEquatableList<T>(this IEnumerable<T> items) => new EquatableList<T>(items);
        public static EquatableList<T> Of<T>(params T[] items) => new EquatableList<T>(items);
    }
}
