//! The project requests are made for: given, or looked up through IAM once per client
//! (the official SDKs' rule), shared by concurrent callers.

use crate::client::{Client, Project};
use crate::error::{Error, Hint, Result, Setting};
use crate::names::{check_id, shorten};

impl Client {
    /// The project and its VPN client, looking the project up through IAM on first use.
    pub(crate) async fn project_api(&self) -> Result<&Project> {
        self.inner
            .project
            .get_or_try_init(|| async {
                let id = self.lookup_project().await?;
                Ok::<_, Error>(self.inner.project(id))
            })
            .await
    }

    /// `GET {iam}/v3/projects?name={region}`, signed with the same credentials (no
    /// `X-Project-Id`, as in the official SDKs); exactly one project must come back.
    async fn lookup_project(&self) -> Result<String> {
        let Some(iam) = &self.inner.iam else {
            return Err(Error::invalid_setting(
                Setting::ProjectId,
                "no project ID and no IAM endpoint",
            ));
        };
        let api = p2c_vpn_api::iam::Client::new_with_client(
            &iam.endpoint,
            self.inner.http.clone(),
            self.inner.state(self.inner.auth.clone()),
        );
        let call = api.keystone_list_projects().name(iam.region.as_str());
        let span = tracing::info_span!(
            "p2c_vpn.lookup_project",
            region = iam.region.as_str(),
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let response = self.execute(span, call.send()).await?;
        let trace = response
            .headers()
            .get("x-iam-trace-id")
            .and_then(|v| v.to_str().ok())
            .map(|v| format!(", X-IAM-Trace-Id {}", shorten(v)))
            .unwrap_or_default();
        let projects = response.into_inner().projects;
        let region = &iam.region;
        match projects.as_slice() {
            [one] => match one.id.as_deref() {
                Some(id) => {
                    check_id(Setting::ProjectId, "project ID from IAM", id)?;
                    tracing::debug!(region = region.as_str(), project = id, "project looked up");
                    Ok(id.to_owned())
                }
                None => Err(Error::decode_missing("projects[0].id")),
            },
            [] => Err(Error::credentials(format!(
                "no project named {region:?} in this account (IAM returned 0 projects{trace})"
            ))
            .about(Setting::ProjectId)
            .with_hint(Hint::CheckRegionOrSetProjectId)),
            many => Err(Error::credentials(format!(
                "IAM returned {} projects named {region:?} ({}{trace})",
                many.len(),
                many.iter()
                    .take(10)
                    .map(|p| shorten(p.id.as_deref().unwrap_or("?")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .about(Setting::ProjectId)
            .with_hint(Hint::SetProjectIdToPickOne)),
        }
    }

    /// The VPN client for the (looked-up) project.
    pub(crate) async fn vpn(&self) -> Result<(&p2c_vpn_api::Client, &str)> {
        let project = self.project_api().await?;
        Ok((&project.api, project.id.as_str()))
    }
}
