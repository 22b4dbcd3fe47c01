namespace DeepCoro.Spec
{
    public enum TaskKind { Regression, Binary, Multiclass, Survival }
}
