namespace DeepCoro.Spec
{
    public enum Severity { Error, Warning }
}
