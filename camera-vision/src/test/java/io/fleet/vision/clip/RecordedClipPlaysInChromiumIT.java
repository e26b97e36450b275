package io.fleet.vision.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleet.vision.camera.Frame;
import io.fleet.vision.camera.SyntheticScene.MovingObject;
import io.fleet.vision.camera.SyntheticScene.Script;
import io.fleet.vision.camera.SyntheticScene;
import io.fleet.vision.detect.DetectorSettings;
import io.fleet.vision.detect.MotionDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/** A clip the agent records from a detected event plays, and seeks, in Debian's headless Chromium. */
class RecordedClipPlaysInChromiumIT {

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  private static final String PAGE = """
      <!doctype html>
      <html><body>
      <video id="clip" src="/clip.mp4" preload="auto" muted></video>
      <pre id="result">pending</pre>
      <script>
        const video = document.getElementById('clip');
        const result = document.getElementById('result');
        const report = (seeked) => result.textContent = 'duration=' + video.duration
            + ' readyState=' + video.readyState + ' size=' + video.videoWidth + 'x' + video.videoHeight
            + ' seekedTo=' + (seeked ? video.currentTime : 'none');
        video.addEventListener('loadedmetadata', () => report(false));
        video.addEventListener('loadeddata', () => { report(false); video.currentTime = video.duration / 2; },
            { once: true });
        video.addEventListener('seeked', () => report(true));
        video.addEventListener('error', () => result.textContent = 'error=' + (video.error && video.error.code));
      </script>
      </body></html>
      """;
  private static final Pattern RESULT = Pattern.compile(
      "duration=([0-9.]+) readyState=(\\d) size=(\\d+)x(\\d+) seekedTo=([0-9.]+|none)");

  @TempDir
  Path directory;

  @Test
  void aClipRecordedFromADetectedEventHasAPositiveDurationInAVideoElement() throws Exception {
    assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER), "skipped: " + CHROMIUM + " or "
        + DRIVER + " is not installed (apt-get install chromium chromium-driver); CI installs them");
    Clip clip = recordFirstClip();
    // Motion in frames 20..50, confirmed at 21, ended one 2 s gap after 50 at 70: frames 11..80.
    assertThat(clip.frames()).isEqualTo(10 + 50 + 10);

    try (ClipServer server = new ClipServer(clip.file(), PAGE)) {
      String dom = dumpDom(server.url("/"));

      Matcher result = RESULT.matcher(dom);
      assertThat(result.find()).as("the page's report: %s", dom).isTrue();
      System.out.printf("Chromium: %s; %d range requests%n", result.group(), server.rangeRequests());
      assertThat(Double.parseDouble(result.group(1))).isCloseTo(clip.frames() / 10.0,
          Offset.offset(0.2));
      assertThat(Integer.parseInt(result.group(2))).isGreaterThanOrEqualTo(1);
      assertThat(result.group(3) + "x" + result.group(4)).isEqualTo("320x240");
      assertThat(result.group(5)).as("seeking to the middle").isNotEqualTo("none");
      assertThat(Double.parseDouble(result.group(5))).isCloseTo(clip.frames() / 20.0,
          Offset.offset(0.2));
    }
  }

  /** One walker crossing a synthetic scene, detected and recorded with 10 frames before and after. */
  private Clip recordFirstClip() throws Exception {
    SyntheticScene scene = new SyntheticScene(new Script(320, 240, 10, 100, 5, 3,
        List.of(new MovingObject(20, 50, 24, 48, 20, 150, 6, 0, 0x303060)), List.of(), null));
    MotionDetector detector = new MotionDetector(DetectorSettings.defaults().withThreshold(60), 320, 240);
    ExecutorService encoding = ClipRecorder.encodingThread();
    try {
      ClipRecorder recorder = new ClipRecorder(new ClipSettings(10, 10, 300, 10, 2, directory),
          new Mp4ClipEncoder(), encoding);
      List<CompletableFuture<Clip>> clips = new ArrayList<>();
      for (Optional<Frame> frame = scene.next(); frame.isPresent(); frame = scene.next()) {
        recorder.accept(frame.get(), detector.detect(frame.get())).ifPresent(clips::add);
      }
      assertThat(clips).hasSize(1);
      return clips.get(0).get(60, TimeUnit.SECONDS);
    } finally {
      encoding.shutdownNow();
    }
  }

  /**
   * Opens the page in headless Chromium (through its chromedriver) and waits, in real time, until the
   * page reported a finished seek or an error: a DOM dump on virtual time could end before the seek.
   */
  private String dumpDom(String url) throws IOException {
    Path profile = Files.createTempDirectory(directory, "chromium-profile");
    ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toString()).addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--mute-audio", "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
        .build();
    ChromeDriver browser = new ChromeDriver(service, options);
    try {
      browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
      browser.get(url);
      return (String) browser.executeAsyncScript("""
          const done = arguments[arguments.length - 1];
          const result = document.getElementById('result');
          const finished = () => /seekedTo=[0-9]|error=/.test(result.textContent);
          if (finished()) { done(result.textContent); return; }
          new MutationObserver(() => { if (finished()) done(result.textContent); })
              .observe(result, { childList: true, characterData: true, subtree: true });
          """);
    } finally {
      browser.quit();
    }
  }
}
