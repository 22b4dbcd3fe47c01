using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace DeepCoro.Runtime.Sweeps
{
    public interface ITrialLauncher
    {
        IRunningTrial Start(TrialLaunch launch);
    }
}
