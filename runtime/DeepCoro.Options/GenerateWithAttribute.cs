using System;

namespace DeepCoro.Runtime
{
    /// <summary>
    /// Gives a <c>partial record</c> a generated <c>With(...)</c> copy method (generator/DeepCoro.Options.Generator):
    /// one optional parameter per public init property, null keeping the value; C#'s <c>with</c> for F# callers.
    /// Declared here rather than emitted by the generator, so that dotnet format's workspace, which runs no generator,
    /// still resolves it.
    /// </summary>
    [AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
    public sealed class GenerateWithAttribute : Attribute
    {
    }
}
