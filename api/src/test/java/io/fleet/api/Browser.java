package io.fleet.api;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium driven through its chromedriver (Selenium), for tests that click, wait and
 * read the page as a person would. Screenshots go to {@code target/screenshots/}.
 */
final class Browser implements AutoCloseable {
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  final ChromeDriver driver;

  Browser(int width, int height) throws Exception {
    Path profile = Files.createTempDirectory("chromium-profile");
    ChromeOptions options = new ChromeOptions().setBinary(Chromium.BINARY.toString()).addArguments(
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--autoplay-policy=no-user-gesture-required", "--window-size=" + width + "," + height,
        "--user-data-dir=" + profile);
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
  }

  static boolean available() {
    return Chromium.available() && Files.isExecutable(DRIVER);
  }

  Object js(String script, Object... args) {
    return driver.executeScript(script, args);
  }

  /**
   * The text of the first element matching {@code css} now, trimmed, or "" while there is none. Read in one
   * script, so a live list that re-renders the element meanwhile leaves nothing stale behind.
   */
  String textOf(String css) {
    Object text = js("const e = document.querySelector(arguments[0]); return e === null ? '' : e.innerText.trim();", css);
    return text == null ? "" : text.toString();
  }

  /** Saves what the page shows now as {@code target/screenshots/<name>.png}. */
  Path screenshot(String name) throws Exception {
    Path file = Path.of("target", "screenshots", name + ".png");
    Files.createDirectories(file.getParent());
    Files.write(file, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    return file;
  }

  /**
   * Saves the page as {@link #screenshot} does; with {@code -Dfleet.docs=true} it also replaces
   * {@code docs/<docsName>}, the README's picture of this view.
   */
  Path screenshot(String name, String docsName) throws Exception {
    Path shot = screenshot(name);
    if (Boolean.getBoolean("fleet.docs")) {
      Files.copy(shot, Path.of("..", "docs", docsName), StandardCopyOption.REPLACE_EXISTING);
    }
    return shot;
  }

  @Override
  public void close() {
    driver.quit();
  }
}
