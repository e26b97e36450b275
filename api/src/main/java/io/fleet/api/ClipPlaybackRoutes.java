package io.fleet.api;

import io.fleet.access.Principal;
import io.fleet.media.ClipStore;
import io.fleet.readside.ClipTable;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.Location;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /api/clips/{clipId}}: a redirect to a short-lived presigned URL of the clip in the bucket,
 * for whoever may see the clip's device (a homeowner only its household's). The browser's
 * {@code <video>} then reads the object from S3 directly, with range requests, so it can seek.
 */
final class ClipPlaybackRoutes extends AllDirectives {
  private static final Duration LINK_TTL = Duration.ofMinutes(5);

  private final ClipTable clips;
  private final ClipStore store;
  private final Executor blocking;

  ClipPlaybackRoutes(ClipTable clips, ClipStore store, Executor blocking) {
    this.clips = clips;
    this.store = store;
    this.blocking = blocking;
  }

  Route routes(Principal principal) {
    return path(PathMatchers.segment("clips").slash(PathMatchers.segment()), clipId -> get(() -> {
      if (!ClipStore.isValidClipId(clipId)) return notFound(clipId);
      return onSuccess(BlockingQueries.query(blocking, () -> clips.find(clipId, principal.scope())), clip -> clip
          .map(c -> complete(HttpResponse.create().withStatus(StatusCodes.FOUND).addHeader(
                  Location.create(store.presignedGet(c.key(), LINK_TTL).toString()))
              .addHeader(CacheControl.create(CacheDirectives.NO_STORE))))
          .orElseGet(() -> notFound(clipId)));
    }));
  }

  private static Route notFound(String clipId) {
    return HttpApi.error(StatusCodes.NOT_FOUND, "unknown clip", "no clip '" + clipId + "'");
  }
}
