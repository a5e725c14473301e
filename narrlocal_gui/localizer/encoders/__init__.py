"""The pretrained encoders the localizer reads frames and words with, and what they need:
EfficientNet-Lite0 video grids (video_encoder) at a chosen level (feature_levels), MiniLM
word vectors (text_encoder), their pinned weights (weights), the ImageNet class names the
bridge matches words against (imagenet_classes), and the on-disk cache of video grids
(feature_cache). torch is imported only when an encoder is loaded."""
