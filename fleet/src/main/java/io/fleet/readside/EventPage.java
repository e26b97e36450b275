package io.fleet.readside;

import java.util.List;
import java.util.Optional;

/** One page of event search, oldest first, and the cursor to the next page if there is more. */
public record EventPage(List<DeviceEventRow> items, Optional<String> nextCursor) {}
