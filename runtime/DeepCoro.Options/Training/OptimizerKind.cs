namespace DeepCoro.Runtime.Training
{
    public enum OptimizerKind { AdamW, RAdam }
}
