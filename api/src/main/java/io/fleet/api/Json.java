package io.fleet.api;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.marshallers.jackson.Jackson;
import org.apache.pekko.http.javadsl.marshalling.Marshaller;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/** The API's JSON: ISO-8601 instants, Optional as value-or-null, unknown request fields rejected. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper()
      .registerModule(new JavaTimeModule())
      .registerModule(new Jdk8Module())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The largest JSON request body the API reads; clips have their own limit. */
  static final long MAX_BODY_BYTES = 256 * 1024;

  private static final AllDirectives DIRECTIVES = new AllDirectives() {};

  private Json() {}

  /** A JSON request body as {@code type}, {@link #bounded}. */
  static <T> Route body(Class<T> type, Function<T, Route> inner) {
    return bounded(() -> DIRECTIVES.entity(unmarshaller(type), inner));
  }

  /**
   * {@code inner}, which reads the request's JSON body, with the body bounded to {@link #MAX_BODY_BYTES}: one
   * declared larger is answered 413 before a byte of it is read (a client that sent {@code Expect: 100-continue}
   * never sends it); one that turns out larger while streaming fails the same way.
   */
  static Route bounded(Supplier<Route> inner) {
    return DIRECTIVES.extractRequestEntity(entity -> {
      if (entity.getContentLengthOption().orElse(0) > MAX_BODY_BYTES) return tooLarge();
      return DIRECTIVES.withSizeLimit(MAX_BODY_BYTES, inner);
    });
  }

  static Route tooLarge() {
    return HttpApi.error(StatusCodes.PAYLOAD_TOO_LARGE, "body too large", "at most " + MAX_BODY_BYTES + " bytes of JSON");
  }

  static <T> Marshaller<T, RequestEntity> marshaller() {
    return Jackson.marshaller(MAPPER);
  }

  static <T> Unmarshaller<HttpEntity, T> unmarshaller(Class<T> type) {
    return Jackson.unmarshaller(MAPPER, type);
  }
}
