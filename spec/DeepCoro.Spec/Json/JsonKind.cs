namespace DeepCoro.Spec.Json
{
    public enum JsonKind { Object, Array, String, Number, Bool, Null }
}
