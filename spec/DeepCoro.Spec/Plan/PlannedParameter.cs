using System.Linq;

namespace DeepCoro.Spec
{
    /// <summary>One tensor of the state_dict: its full key and shape.</summary>
    public sealed record PlannedParameter(string Key, EquatableList<int> Shape)
    {
        public long Count => Shape.Aggregate(1L, (a, b) => a * b);

        public override string ToString() => $"{Key} [{string.Join(", ", Shape)}]";
    }
}
