namespace DeepCoro.Runtime.Training
{
    public enum ScheduleKind { Constant, Step, Cosine, CosineWarmRestart, LinearWarmup, CosineWithWarmup, CosineWithHardRestartsWithWarmup }
}
