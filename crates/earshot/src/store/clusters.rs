//! Syndication clusters: the signature of each cluster's canonical member and
//! the members of each cluster.

use super::*;

impl Store {
    /// Keeps the MinHash signature of a cluster's canonical member.
    pub fn put_cluster_signature(&self, cluster: u64, signature: &[u8]) -> Result<(), StoreError> {
        self.tree()?
            .insert(&keys::signature(cluster)[..], signature)
            .map_err(|e| self.engine(e))?;
        Ok(())
    }

    /// Every stored canonical signature, for rebuilding the cluster index.
    pub fn cluster_signatures(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut out = Vec::new();
        for item in self.tree()?.scan_prefix([keys::SIGNATURE]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            if k.len() == 9 {
                out.push((
                    u64::from_be_bytes(k[1..9].try_into().unwrap_or([0; 8])),
                    v.to_vec(),
                ));
            }
        }
        Ok(out)
    }

    /// Syndication clusters with at least `min_members` posts, biggest
    /// first. A post that names several watches is one member (its first
    /// mention's id).
    pub fn clusters(&self, min_members: usize) -> Result<Vec<ClusterSummary>, StoreError> {
        let mut by: BTreeMap<u64, (ClusterSummary, std::collections::HashSet<u64>)> =
            BTreeMap::new();
        for item in self.tree()?.scan_prefix([keys::CLUSTER]) {
            let (k, v) = item.map_err(|e| self.engine(e))?;
            if k.len() != 17 {
                continue;
            }
            let cluster = u64::from_be_bytes(k[1..9].try_into().unwrap_or([0; 8]));
            let id = u64::from_be_bytes(k[9..17].try_into().unwrap_or([0; 8]));
            let (e, posts) = by.entry(cluster).or_insert_with(|| {
                (
                    ClusterSummary {
                        id: cluster,
                        ..Default::default()
                    },
                    Default::default(),
                )
            });
            let (post, site) = keys::parse_member_value(&v);
            if !posts.insert(post) {
                continue;
            }
            e.members.push(id);
            if !e.sites.contains(&site) {
                e.sites.push(site);
            }
        }
        let mut out: Vec<ClusterSummary> = by
            .into_values()
            .map(|(c, _)| c)
            .filter(|c| c.members.len() >= min_members)
            .collect();
        for c in &mut out {
            if let Some(&first) = c.members.first() {
                c.title = self.get_mention(first)?.and_then(|m| m.title);
            }
        }
        out.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    /// Posts per cluster, for the given cluster ids (absent when none).
    pub fn cluster_sizes(&self, ids: &[u64]) -> Result<HashMap<u64, usize>, StoreError> {
        let mut out = HashMap::with_capacity(ids.len());
        for &c in ids {
            let mut prefix = [0u8; 9];
            prefix.copy_from_slice(&keys::cluster_member(c, 0)[..9]);
            let mut posts = std::collections::HashSet::new();
            for item in self.tree()?.scan_prefix(prefix) {
                let (_, v) = item.map_err(|e| self.engine(e))?;
                posts.insert(keys::parse_member_value(&v).0);
            }
            if !posts.is_empty() {
                out.insert(c, posts.len());
            }
        }
        Ok(out)
    }
}
