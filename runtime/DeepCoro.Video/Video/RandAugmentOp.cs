namespace DeepCoro.Runtime.Video
{
    /// <summary>The operations of torchvision's RandAugment (transforms.v2),
    /// in its augmentation space's order.</summary>
    public enum RandAugmentOp
    {
        Identity,
        ShearX,
        ShearY,
        TranslateX,
        TranslateY,
        Rotate,
        Brightness,
        Color,
        Contrast,
        Sharpness,
        Posterize,
        Solarize,
        AutoContrast,
        Equalize,
    }
}
