package io.fleet.vision.detect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DespeckleTest {

  private static final int W = 6;
  private static final int H = 5;

  @Test
  void crossErosionRemovesAnIsolatedPixelAndDilationRestoresABlob() {
    byte[] map = parse(
        "#.....",
        "..###.",
        "..###.",
        "..###.",
        "......");

    byte[] result = new Despeckle("ed", W, H).apply(map);

    assertThat(render(result)).containsExactly(
        "......",
        "...#..",
        "..###.",
        "...#..",
        "......");
  }

  @Test
  void boxDilationGrowsAPixelIntoItsNeighbourhoodUpToTheFrameEdge() {
    byte[] result = new Despeckle("D", W, H).apply(parse(
        "......",
        "......",
        "......",
        "......",
        ".....#"));

    assertThat(render(result)).containsExactly(
        "......",
        "......",
        "......",
        "....##",
        "....##");
  }

  @Test
  void leavesItsInputAloneAndReturnsItWhenThereAreNoSteps() {
    byte[] map = parse("#.....", "......", "......", "......", "......");

    assertThat(new Despeckle("", W, H).apply(map)).isSameAs(map);
    new Despeckle("E", W, H).apply(map);
    assertThat(map[0]).isEqualTo((byte) 1);
  }

  private static byte[] parse(String... rows) {
    byte[] map = new byte[W * H];
    for (int y = 0; y < H; y++) {
      for (int x = 0; x < W; x++) {
        map[y * W + x] = (byte) (rows[y].charAt(x) == '#' ? 1 : 0);
      }
    }
    return map;
  }

  private static String[] render(byte[] map) {
    String[] rows = new String[H];
    for (int y = 0; y < H; y++) {
      StringBuilder row = new StringBuilder();
      for (int x = 0; x < W; x++) {
        row.append(map[y * W + x] != 0 ? '#' : '.');
      }
      rows[y] = row.toString();
    }
    return rows;
  }
}
