package io.fleet.readside;

import java.util.List;
import java.util.Optional;

/** One page of the fleet list and the cursor to the next one, if there is more. */
public record DevicePage(List<DeviceSummary> items, Optional<String> nextCursor) {}
