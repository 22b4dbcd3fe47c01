namespace DeepCoro.Spec
{
    /// <summary>
    /// A task head: one Linear on the pooled vector, its task, output count, training loss and the loss's weight in
    /// the total; <paramref name="Dropout"/> drops pooled features before the head in training (DeepCORO_CLIP's
    /// head_dropout).
    /// </summary>
    public sealed record HeadSpec(string Name, TaskKind Task, int Outputs, LossKind Loss, double Weight = 1.0, double Dropout = 0.0)
    {
        public static LossKind DefaultLoss(TaskKind task) =>
            task == TaskKind.Regression ? LossKind.Mse : task == TaskKind.Binary ? LossKind.Bce : LossKind.Ce;

        /// <summary>The state_dict prefix of this head's Linear layer.</summary>
        public string Key => ReferenceNames.Heads + "." + Name;
    }
}
