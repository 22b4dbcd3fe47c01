namespace DeepCoro.Spec
{
    /// <summary>
    /// What the user can do about a <see cref="DeepCoroUserException"/>, named by intent rather than by a front end's
    /// wording: the command line renders each with its own flag names, a library caller with its own options.
    /// </summary>
    public enum Remedy
    {
        /// <summary>The message says all there is to do.</summary>
        None,

        /// <summary>Continue the run the output folder holds, or write to another folder.</summary>
        ResumeOrOtherOutput,

        /// <summary>Resume with the options the checkpoint was trained with; only the epochs may change.</summary>
        ResumeWithSameOptions,

        /// <summary>Run agents on the sweep the folder holds, or write the new sweep to another folder.</summary>
        RunAgentsOrOtherOutput,

        /// <summary>Resume with the inputs and options the folder's work was started with, or write to another
        /// folder.</summary>
        SameInputsOrOtherOutput,

        /// <summary>Write to another folder.</summary>
        OtherOutput,

        /// <summary>Create the sweep first.</summary>
        InitSweep,

        /// <summary>Start at least one agent.</summary>
        MoreAgents,

        /// <summary>Name the videos: a manifest or files.</summary>
        GiveVideos,

        /// <summary>Give the frame count and the resize an encoder takes, which it does not say itself.</summary>
        GiveFramesAndResize,

        /// <summary>Keep the videos' folders in the output names, so that files of the same name stay apart.</summary>
        KeepFolders,

        /// <summary>Run on the CPU.</summary>
        UseCpu,

        /// <summary>Ask for fewer cross-validation folds.</summary>
        FewerFolds,
    }
}
