using System;
using System.Collections.Generic;

namespace DeepCoro.Runtime.Sweeps
{
    public enum SearchMethod { Grid, Random, Bayes }
}
