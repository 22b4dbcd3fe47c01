namespace DeepCoro.Runtime.Sweeps
{
    public enum Goal { Minimize, Maximize }
}
