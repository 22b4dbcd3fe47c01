namespace DeepCoro.Spec
{
    /// <summary>
    /// A task head: one Linear on the pooled vector, its task, output count, training loss and the loss's weight in
    /// the total; <paramref name="Dropout"/> drops pooled features before the head in training (DeepCORO_CLIP's
    /// head_dropout). A survival head's <paramref name="Intervals"/> are the upper bounds of its discrete-time
    /// intervals (one output each, loss discrete_time); a Cox survival head has none and 1 output (docs/survival.md).
    /// </summary>
    public sealed record HeadSpec(string Name, TaskKind Task, int Outputs, LossKind Loss, double Weight = 1.0, double Dropout = 0.0,
        EquatableList<double>? Intervals = null)
    {
        public static LossKind DefaultLoss(TaskKind task) => task switch
        {
            TaskKind.Regression => LossKind.Mse,
            TaskKind.Binary => LossKind.Bce,
            TaskKind.Survival => LossKind.Cox,
            _ => LossKind.Ce,
        };

        /// <summary>The state_dict prefix of this head's Linear layer.</summary>
        public string Key => ReferenceNames.Heads + "." + Name;
    }
}
