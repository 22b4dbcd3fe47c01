namespace DeepCoro.Spec
{
    /// <summary>
    /// A head as the plan resolves it: its name (the output's key), task, loss and output count, the dropout before
    /// its Linear, and that Linear's module (key heads.&lt;name&gt;, its parameters, the width it reads).
    /// </summary>
    public sealed record PlannedHead(string Name, TaskKind Task, LossKind Loss, int Outputs, double Dropout, PlannedModule Module)
    {
        public string Key => Module.Key;
    }
}
