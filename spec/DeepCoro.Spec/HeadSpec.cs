namespace DeepCoro.Spec
{
    public sealed record HeadSpec(string Name, TaskKind Task, int Outputs, LossKind Loss, double Weight = 1.0)
    {
        public static LossKind DefaultLoss(TaskKind task) =>
            task == TaskKind.Regression ? LossKind.Mse : task == TaskKind.Binary ? LossKind.Bce : LossKind.Ce;

        /// <summary>The state_dict prefix of this head's Linear layer.</summary>
        public string Key => ReferenceNames.Heads + "." + Name;
    }
}
