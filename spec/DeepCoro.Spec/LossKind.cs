namespace DeepCoro.Spec
{
    public enum LossKind { Mse, Mae, Rmse, Huber, Bce, Ce, Focal, Cox, DiscreteTime }
}
