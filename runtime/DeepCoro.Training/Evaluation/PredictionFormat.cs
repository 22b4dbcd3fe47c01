namespace DeepCoro.Runtime.Evaluation
{
    /// <summary>The prediction files `deepcoro compare` reads.</summary>
    public enum PredictionFormat
    {
        /// <summary>This product's <c>predictions_&lt;split&gt;.csv</c>: <c>study_id,split,videos</c>, then per head
        /// its label and scores.</summary>
        Product,
        /// <summary>A cross-validation's <c>oof_predictions.csv</c>: the
        /// product's columns plus <c>fold</c> and <c>repeat</c>.</summary>
        OutOfFold,
        /// <summary>DeepCORO_CLIP's <c>*_predictions_epoch_*.csv</c>: <c>epoch,video_name</c>, then per head
        /// <c>h_pred,h_true</c> or <c>h_prob_&lt;class&gt;...,h_pred_class,h_true_class</c>.</summary>
        Reference,
    }
}
