package io.fleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DatabaseUrlTest {

  @Test
  void aPostgresUrlGetsCustomPlansAddedAfterItsOwnParameters() {
    assertThat(Database.withCustomPlans("jdbc:postgresql://db:5432/fleet"))
        .isEqualTo("jdbc:postgresql://db:5432/fleet?options=-c%20plan_cache_mode%3Dforce_custom_plan");
    assertThat(Database.withCustomPlans("jdbc:postgresql://db/fleet?user=u&currentSchema=s"))
        .isEqualTo("jdbc:postgresql://db/fleet?user=u&currentSchema=s&options=-c%20plan_cache_mode%3Dforce_custom_plan");
  }

  @Test
  void aUrlThatSetsItsOwnSessionOptionsIsLeftAlone() {
    String own = "jdbc:postgresql://db/fleet?options=-c%20search_path%3Dfleet";
    assertThat(Database.withCustomPlans(own)).isEqualTo(own);
  }
}
