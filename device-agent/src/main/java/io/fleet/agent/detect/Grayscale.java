package io.fleet.agent.detect;

/** Packed RGB to 8-bit luma, optionally shrunk by box averaging. Stateless. */
public final class Grayscale {

    private Grayscale() {}

    /** ITU-R BT.601 luma in integer arithmetic: (77 R + 150 G + 29 B) / 256. */
    public static int luma(int rgb) {
        return (77 * ((rgb >> 16) & 0xFF) + 150 * ((rgb >> 8) & 0xFF) + 29 * (rgb & 0xFF)) >> 8;
    }

    /**
     * Writes the luma of a {@code width}×{@code height} frame shrunk by {@code factor} into {@code gray}, which must
     * hold {@code (width / factor) * (height / factor)} pixels; a remainder of columns or rows is dropped.
     */
    public static void downscale(int[] rgb, int width, int height, int factor, byte[] gray) {
        int outWidth = width / factor;
        int outHeight = height / factor;
        if (factor == 1) {
            for (int i = 0; i < outWidth * outHeight; i++) {
                gray[i] = (byte) luma(rgb[i]);
            }
            return;
        }
        int area = factor * factor;
        for (int oy = 0; oy < outHeight; oy++) {
            int rowStart = oy * factor * width;
            for (int ox = 0; ox < outWidth; ox++) {
                int sum = 0;
                int start = rowStart + ox * factor;
                for (int dy = 0; dy < factor; dy++) {
                    int p = start + dy * width;
                    for (int dx = 0; dx < factor; dx++) {
                        sum += luma(rgb[p + dx]);
                    }
                }
                gray[oy * outWidth + ox] = (byte) (sum / area);
            }
        }
    }
}
