package io.fleet.agent.camera;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.Objects;

/**
 * One picture from a camera: packed {@code 0xRRGGBB} pixels, row by row. The pixel array is shared, not copied:
 * sources hand out a fresh array per frame and nobody writes to it afterwards, so the detector, the pre-capture
 * buffer and the clip encoder can all hold the same frame.
 *
 * @param index position in its source, from 0
 * @param timestampMillis capture time, milliseconds (epoch or since the source started; monotonic within a source)
 */
public record Frame(long index, long timestampMillis, int width, int height, int[] rgb) {

    public Frame {
        Objects.requireNonNull(rgb, "rgb");
        if (width <= 0 || height <= 0 || rgb.length != width * height) {
            throw new IllegalArgumentException("frame of " + width + "x" + height + " needs " + width * height
                    + " pixels, has " + rgb.length);
        }
    }

    /** Reads the pixels of any image (one copy into a packed RGB array). */
    public static Frame of(long index, long timestampMillis, BufferedImage image) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] rgb = image.getRGB(0, 0, width, height, null, 0, width);
        for (int i = 0; i < rgb.length; i++) {
            rgb[i] &= 0xFFFFFF;
        }
        return new Frame(index, timestampMillis, width, height, rgb);
    }

    /** A copy of the pixels as an RGB image (what image writers and the clip encoder take). */
    public BufferedImage toImage() {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] target = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        System.arraycopy(rgb, 0, target, 0, rgb.length);
        return image;
    }
}
