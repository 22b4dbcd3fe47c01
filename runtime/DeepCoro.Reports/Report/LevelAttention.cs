namespace DeepCoro.Runtime.Report
{
    /// <summary>
    /// One cls level's attention for one study, as the running kernel computed it: Weights[row][head][position],
    /// position 0 the cls token itself, then the level's instances. A level over tokens has a row per video slot
    /// of the study's evaluation batch (<see cref="Padding"/> marks the padded ones); a level over videos has one
    /// row, whose positions 1.. are the video slots (a padded slot gets weight 0).
    /// </summary>
    public sealed record LevelAttention(string Name, string Over, float[][][] Weights, bool[] Padding);
}
