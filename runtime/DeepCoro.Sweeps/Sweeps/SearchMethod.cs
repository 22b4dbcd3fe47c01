namespace DeepCoro.Runtime.Sweeps
{
    public enum SearchMethod { Grid, Random, Bayes }
}
