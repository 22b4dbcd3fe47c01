namespace DeepCoro.Spec
{
    public enum NormPlacement { Pre, Post }
}
