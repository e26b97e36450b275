package io.fleet.agent.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fleet.agent.camera.Frame;
import io.fleet.agent.camera.SyntheticScene;
import io.fleet.agent.camera.SyntheticScene.MovingObject;
import io.fleet.agent.camera.SyntheticScene.Script;
import io.fleet.agent.detect.DetectorSettings;
import io.fleet.agent.detect.MotionDetector;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A clip the agent records from a detected event plays, and seeks, in Debian's headless Chromium. */
class RecordedClipPlaysInChromiumIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
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
        assumeTrue(Files.isExecutable(CHROMIUM),
                "skipped: " + CHROMIUM + " is not installed (apt-get install chromium); CI installs it");
        Clip clip = recordFirstClip();
        // Motion in frames 20..50, confirmed at 21, ended one 2 s gap after 50 at 70: frames 11..80.
        assertThat(clip.frames()).isEqualTo(10 + 50 + 10);

        try (ClipServer server = new ClipServer(clip.file(), PAGE)) {
            String dom = dumpDom(server.url("/"));

            Matcher result = RESULT.matcher(dom);
            assertThat(result.find()).as("the page's report in %s", dom).isTrue();
            System.out.printf("Chromium: %s; %d range requests%n", result.group(), server.rangeRequests());
            assertThat(Double.parseDouble(result.group(1))).isCloseTo(clip.frames() / 10.0,
                    org.assertj.core.data.Offset.offset(0.2));
            assertThat(Integer.parseInt(result.group(2))).isGreaterThanOrEqualTo(1);
            assertThat(result.group(3) + "x" + result.group(4)).isEqualTo("320x240");
            assertThat(result.group(5)).as("seeking to the middle").isNotEqualTo("none");
            assertThat(Double.parseDouble(result.group(5))).isCloseTo(clip.frames() / 20.0,
                    org.assertj.core.data.Offset.offset(0.2));
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

    private String dumpDom(String url) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(directory, "chromium-profile");
        Process chromium = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--mute-audio", "--user-data-dir=" + profile, "--virtual-time-budget=10000", "--dump-dom", url)
                .redirectError(directory.resolve("chromium.log").toFile())
                .start();
        byte[] dom = chromium.getInputStream().readAllBytes();
        if (!chromium.waitFor(60, TimeUnit.SECONDS)) {
            chromium.destroyForcibly();
            throw new IOException("chromium did not finish within 60 s");
        }
        return new String(dom, StandardCharsets.UTF_8);
    }
}
