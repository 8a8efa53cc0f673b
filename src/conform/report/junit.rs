//! `--junit FILE`: JUnit XML through `quick-junit`, one test suite per area.

use std::path::PathBuf;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::conform::event::{Event, ReportError, Reporter, Status, Summary};

pub(crate) struct Junit {
    path: PathBuf,
    profile: String,
}

impl Junit {
    pub(crate) fn new(path: PathBuf, profile: String) -> Self {
        Junit { path, profile }
    }
}

/// The JUnit report of a run.
pub fn report(sum: &Summary, profile: &str) -> Report {
    let mut report = Report::new(format!("conform-{profile}"));
    report.set_time(sum.duration);
    for (area, recs) in super::by_area(&sum.records) {
        let mut suite = TestSuite::new(area.name());
        for r in recs {
            let status = match &r.status {
                Status::Passed => TestCaseStatus::success(),
                Status::Skipped(why) => {
                    let mut s = TestCaseStatus::skipped();
                    s.set_message(why.reason.as_str());
                    s
                }
                Status::Failed(f) => {
                    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                    s.set_message(f.message.as_str());
                    s.set_description(super::human::failure_text(r));
                    s
                }
            };
            let mut tc = TestCase::new(r.name.as_str(), status);
            tc.set_classname(format!("conform.{}.{}", r.kind.name(), area.name()));
            tc.set_time(r.duration);
            suite.add_test_case(tc);
        }
        report.add_test_suite(suite);
    }
    report
}

impl Reporter for Junit {
    fn handle(&mut self, _event: &Event<'_>) {}

    fn finish(&mut self, sum: &Summary) -> Result<(), ReportError> {
        let xml = report(sum, &self.profile)
            .to_string()
            .map_err(|e| ReportError::Encode {
                format: "JUnit",
                reason: e.to_string(),
            })?;
        std::fs::write(&self.path, xml).map_err(|source| ReportError::Write {
            path: self.path.clone(),
            source,
        })
    }
}
