namespace DeepCoro.Spec
{
    public enum PoolKind { Mean, Max, GatedAttention, ClsToken }
}
