using Backbone.Tests.Support;
using Backbone.V1;
using Grpc.Core;

namespace Backbone.Tests.Cases;

/// <summary>Appeals through the real APIs with real tokens: citizens, grid and district staff, and the dispatch centre.</summary>
[Collection(SharedNodeCollection.Name)]
public sealed class CaseFlowTests(BackboneFixture fixture)
{
    // Inside grid 510104001001001 (锦江区 春熙路街道 红星社区 第1网格).
    private static readonly LatLng InFirstGrid = new() { Latitude = 30.59, Longitude = 104.063 };
    private static readonly LatLng InOtherDistrict = new() { Latitude = 30.59, Longitude = 104.10 };

    private BackboneNode Node => fixture.Node;

    [Fact]
    public async Task An_appeal_goes_from_submission_to_a_closed_rated_case()
    {
        var citizen = await Citizen();
        var gridWorker = await Staff(TestIdentity.GridWorkerMobile);

        var submitted = await citizen.SubmitAppealAsync(Appeal("noise", "楼下KTV深夜噪音扰民，影响休息。"));
        var accepted = await gridWorker.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "已签收" });
        await gridWorker.StartCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        var replied = await gridWorker.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "已联系商家整改，22点后停止营业。" });
        var rated = await citizen.RateCaseAsync(new RateCaseRequest { CaseId = submitted.CaseId, Rating = Rating.Satisfied, Comment = "处理及时" });
        var mine = await citizen.ListMyCasesAsync(new ListMyCasesRequest());

        Assert.Equal(CaseState.Dispatched, submitted.State); // routed by the rule: noise is the grid's
        Assert.Equal(("510104001001001", "510104001001001"), (submitted.GridCode, submitted.UnitCode));
        Assert.Equal(CaseState.Accepted, accepted.State);
        Assert.Equal(CaseState.Replied, replied.State);
        Assert.Equal("已联系商家整改，22点后停止营业。", replied.Reply);
        Assert.Equal((CaseState.Closed, Rating.Satisfied), (rated.State, rated.Rating));
        Assert.Equal(["submit", "dispatch", "accept", "start", "reply", "close"], rated.History.Select(e => e.Action));
        Assert.Equal(("system", "grid_worker", TestIdentity.GridWorkerUnit), (rated.History[1].Actor, rated.History[2].ActorRole, rated.History[2].ActorUnit));
        Assert.Equal(submitted.CaseId, mine.Cases[0].CaseId);
    }

    [Fact]
    public async Task An_application_goes_through_supplement_review_and_approval_to_a_closed_case()
    {
        var citizen = await Citizen();
        var district = await Staff(TestIdentity.DistrictHandlerMobile);

        var submitted = await citizen.SubmitApplicationAsync(new SubmitApplicationRequest
        {
            RequestId = TestData.RequestId(),
            Service = "residence.certificate",
            Description = "申请开具居住证明，用于子女入学。",
            Location = InFirstGrid,
            AttachmentRefs = { "oss://applications/id-card.jpg" },
            Materials = { new ProvidedMaterial { Code = "lease", AttachmentRef = "oss://applications/lease.pdf" } },
        });
        var supplement = await district.RequestSupplementAsync(new RequestSupplementRequest
        {
            CaseId = submitted.CaseId,
            MissingMaterials = { "户口簿复印件", "租房合同" },
        });
        var resubmitted = await citizen.ResubmitApplicationAsync(new ResubmitApplicationRequest
        {
            CaseId = submitted.CaseId,
            AttachmentRefs = { "oss://applications/hukou.jpg", "oss://applications/lease.pdf" },
        });
        await RpcAssert.Fails(StatusCode.FailedPrecondition,
            () => district.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "申请不走答复" }).ResponseAsync);
        await district.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "受理" });
        var reviewing = await district.StartCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        var noReason = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => district.DecideApplicationAsync(new DecideApplicationRequest { CaseId = submitted.CaseId, Approve = false }).ResponseAsync);
        var approved = await district.DecideApplicationAsync(new DecideApplicationRequest { CaseId = submitted.CaseId, Approve = true, Reason = "材料齐全，准予开具" });
        var closed = await citizen.RateCaseAsync(new RateCaseRequest { CaseId = submitted.CaseId, Rating = Rating.Satisfied });

        Assert.Equal((CaseKind.Application, CaseState.Submitted, "510104001001"), (submitted.Kind, submitted.State, submitted.UnitCode));
        Assert.Equal(CaseState.SupplementRequired, supplement.State);
        Assert.Equal(["户口簿复印件", "租房合同"], supplement.MissingMaterials);
        Assert.Equal((CaseState.Submitted, 3, 0), (resubmitted.State, resubmitted.AttachmentRefs.Count, resubmitted.MissingMaterials.Count));
        Assert.Equal(CaseState.UnderReview, reviewing.State);
        Assert.Equal(["reason"], RpcAssert.ViolatedFields(noReason));
        Assert.Equal((CaseState.Approved, "材料齐全，准予开具"), (approved.State, approved.Decision));
        Assert.Equal(CaseState.Closed, closed.State);
        Assert.Equal(["submit", "request-supplement", "resubmit", "accept", "start", "approve", "close"], closed.History.Select(e => e.Action));
    }

    [Fact]
    public async Task An_application_needs_a_service_item_not_an_appeal_category()
    {
        var citizen = await Citizen();

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => citizen.SubmitApplicationAsync(new SubmitApplicationRequest
        {
            RequestId = TestData.RequestId(),
            Service = "noise",
            Description = "用错了类别",
            Location = InFirstGrid,
        }).ResponseAsync);

        Assert.Equal(["service"], RpcAssert.ViolatedFields(error));
        Assert.Contains("residence.certificate", error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations[0].Description);
    }

    [Fact]
    public async Task A_returned_case_goes_back_to_the_dispatch_centre_and_is_dispatched_again()
    {
        var citizen = await Citizen();
        var district = await Staff(TestIdentity.DistrictHandlerMobile);
        var dispatcher = await Staff(TestIdentity.CityAdminMobile);
        var submitted = await citizen.SubmitAppealAsync(Appeal("road", "春熙路人行道地砖破损。"));

        var returned = await district.ReturnCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "不属于本辖区，请改派。" });
        var redispatched = await dispatcher.DispatchCaseAsync(new DispatchCaseRequest { CaseId = submitted.CaseId, UnitCode = "510104002", Note = "改派书院街街道" });
        var accepted = await district.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });

        Assert.Equal("510104001", submitted.UnitCode); // road is the street's
        Assert.Equal((CaseState.Submitted, ""), (returned.State, returned.UnitCode));
        Assert.Equal("不属于本辖区，请改派。", returned.History[^1].Note);
        Assert.Equal((CaseState.Dispatched, "510104002"), (redispatched.State, redispatched.UnitCode));
        Assert.Equal(CaseState.Accepted, accepted.State);
    }

    [Fact]
    public async Task An_unsatisfied_rating_reopens_the_case_to_the_same_unit()
    {
        var citizen = await Citizen();
        var gridWorker = await Staff(TestIdentity.GridWorkerMobile);
        var submitted = await citizen.SubmitAppealAsync(Appeal("noise", "装修噪音周末一早开始。"));
        await gridWorker.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        await gridWorker.StartCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        await gridWorker.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "已提醒。" });

        var reopened = await citizen.RateCaseAsync(new RateCaseRequest { CaseId = submitted.CaseId, Rating = Rating.Unsatisfied, Comment = "还在吵" });
        await gridWorker.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "已约谈施工方，限定施工时间。" });
        var closed = await citizen.RateCaseAsync(new RateCaseRequest { CaseId = submitted.CaseId, Rating = Rating.BasicallySatisfied });

        Assert.Equal((CaseState.InProgress, 1, TestIdentity.GridWorkerUnit), (reopened.State, reopened.ReopenCount, reopened.UnitCode));
        Assert.Equal(CaseState.Closed, closed.State);
    }

    [Fact]
    public async Task Co_handling_blocks_the_reply_until_every_invited_unit_reported_or_was_released()
    {
        var citizen = await Citizen();
        var gridWorker = await Staff(TestIdentity.GridWorkerMobile);
        var district = await Staff(TestIdentity.DistrictHandlerMobile);
        var submitted = await citizen.SubmitAppealAsync(Appeal("noise", "工地夜间施工，涉及两个社区。"));
        await gridWorker.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
        await gridWorker.StartCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });

        await gridWorker.InviteCoHandlerAsync(new CoHandlerRequest { CaseId = submitted.CaseId, UnitCode = "510104001002", Note = "请和平社区协查" });
        await gridWorker.InviteCoHandlerAsync(new CoHandlerRequest { CaseId = submitted.CaseId, UnitCode = "510104002", Note = "请书院街街道协查" });
        var blocked = await RpcAssert.Fails(StatusCode.FailedPrecondition,
            () => gridWorker.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "已处理" }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied,
            () => gridWorker.ReportCoHandlingAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "我不是被邀请的单位" }).ResponseAsync);
        await district.ReportCoHandlingAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "和平社区已劝导施工方" });
        await gridWorker.ReleaseCoHandlerAsync(new CoHandlerRequest { CaseId = submitted.CaseId, UnitCode = "510104002", Note = "无需街道参与" });
        var replied = await gridWorker.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "已协同处置" });

        Assert.Contains("510104001002", blocked.Status.Detail);
        Assert.Equal(CaseState.Replied, replied.State);
        Assert.Equal(
            [("510104001002", CoHandler.Types.Status.Reported, "和平社区已劝导施工方"), ("510104002", CoHandler.Types.Status.Released, "")],
            replied.CoHandlers.Select(h => (h.UnitCode, h.Status, h.Report)));
    }

    [Fact]
    public async Task A_merged_duplicate_closes_and_its_citizen_follows_the_primary()
    {
        var first = await Citizen();
        var second = await NewCitizen();
        var dispatcher = await Staff(TestIdentity.CityAdminMobile);
        var gridWorker = await Staff(TestIdentity.GridWorkerMobile);
        var primary = await first.SubmitAppealAsync(Appeal("noise", "春熙路酒吧噪音。"));
        var duplicate = await second.SubmitAppealAsync(Appeal("noise", "春熙路有酒吧很吵。"));

        await RpcAssert.Fails(StatusCode.NotFound, () => second.GetCaseAsync(new GetCaseRequest { CaseId = primary.CaseId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => gridWorker.MergeCasesAsync(new MergeCasesRequest
        {
            PrimaryCaseId = primary.CaseId,
            DuplicateCaseId = duplicate.CaseId,
        }).ResponseAsync);
        var merged = await dispatcher.MergeCasesAsync(new MergeCasesRequest { PrimaryCaseId = primary.CaseId, DuplicateCaseId = duplicate.CaseId, Note = "同一酒吧" });
        var followed = await second.GetCaseAsync(new GetCaseRequest { CaseId = primary.CaseId });
        var closedDuplicate = await second.GetCaseAsync(new GetCaseRequest { CaseId = duplicate.CaseId });

        Assert.Equal([duplicate.CaseId], merged.MergedCaseIds);
        Assert.Equal(primary.CaseId, followed.CaseId);
        Assert.Equal((CaseState.Closed, primary.CaseId), (closedDuplicate.State, closedDuplicate.MergedInto));
        await RpcAssert.Fails(StatusCode.FailedPrecondition, () => dispatcher.MergeCasesAsync(new MergeCasesRequest
        {
            PrimaryCaseId = duplicate.CaseId,
            DuplicateCaseId = primary.CaseId,
        }).ResponseAsync);
    }

    [Fact]
    public async Task Concurrent_actions_on_one_case_apply_once()
    {
        var citizen = await Citizen();
        var workers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Staff(TestIdentity.GridWorkerMobile)));
        var submitted = await citizen.SubmitAppealAsync(Appeal("noise", "同时签收的案件"));

        var attempts = await Task.WhenAll(workers.Select(async worker =>
        {
            try
            {
                await worker.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId });
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }));
        var after = await citizen.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId });

        Assert.Single(attempts, StatusCode.OK);
        Assert.All(attempts.Where(a => a != StatusCode.OK), a => Assert.Equal(StatusCode.FailedPrecondition, a));
        Assert.Single(after.History, e => e.Action == "accept");
    }

    [Fact]
    public async Task An_action_the_state_does_not_allow_names_the_state()
    {
        var citizen = await Citizen();
        var gridWorker = await Staff(TestIdentity.GridWorkerMobile);
        var submitted = await citizen.SubmitAppealAsync(Appeal("noise", "广场舞音响太大。"));

        var error = await RpcAssert.Fails(StatusCode.FailedPrecondition,
            () => gridWorker.ReplyCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId, Note = "已处理" }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.FailedPrecondition,
            () => citizen.RateCaseAsync(new RateCaseRequest { CaseId = submitted.CaseId, Rating = Rating.Satisfied }).ResponseAsync);

        Assert.Contains("CASE_STATE_DISPATCHED", error.Status.Detail);
        Assert.Equal(CaseState.Dispatched, (await citizen.GetCaseAsync(new GetCaseRequest { CaseId = submitted.CaseId })).State);
    }

    [Fact]
    public async Task A_city_level_category_waits_for_the_dispatch_centre()
    {
        var citizen = await Citizen();
        var gridWorker = await Staff(TestIdentity.GridWorkerMobile);

        var submitted = await citizen.SubmitAppealAsync(Appeal("other", "建议增设公交线路。"));

        Assert.Equal((CaseState.Submitted, ""), (submitted.State, submitted.UnitCode));
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => gridWorker.AcceptCaseAsync(new CaseActionRequest { CaseId = submitted.CaseId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied,
            () => gridWorker.DispatchCaseAsync(new DispatchCaseRequest { CaseId = submitted.CaseId, UnitCode = TestIdentity.GridWorkerUnit }).ResponseAsync);
    }

    [Fact]
    public async Task Each_side_sees_and_does_only_what_is_theirs()
    {
        var citizen = await Citizen();
        var gridWorker = await Staff(TestIdentity.GridWorkerMobile);
        var district = await Staff(TestIdentity.DistrictHandlerMobile);
        var elsewhere = await citizen.SubmitAppealAsync(Appeal("noise", "武侯区的噪音。", InOtherDistrict));
        var street = await citizen.SubmitAppealAsync(Appeal("road", "路灯不亮。"));
        var someoneElse = await NewCitizen();

        await RpcAssert.Fails(StatusCode.NotFound, () => someoneElse.GetCaseAsync(new GetCaseRequest { CaseId = street.CaseId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.NotFound, () => district.GetCaseAsync(new GetCaseRequest { CaseId = elsewhere.CaseId }).ResponseAsync);
        // The grid worker sees a case in their grid owned by the street above, but may not act for the street.
        Assert.Equal(street.CaseId, (await gridWorker.GetCaseAsync(new GetCaseRequest { CaseId = street.CaseId })).CaseId);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => gridWorker.AcceptCaseAsync(new CaseActionRequest { CaseId = street.CaseId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied, () => citizen.AcceptCaseAsync(new CaseActionRequest { CaseId = street.CaseId }).ResponseAsync);
        await RpcAssert.Fails(StatusCode.PermissionDenied,
            async () => await CasesAs(await Node.Identity.PartnerTokenAsync()).GetCaseAsync(new GetCaseRequest { CaseId = street.CaseId }));
        Assert.Empty((await someoneElse.ListMyCasesAsync(new ListMyCasesRequest())).Cases);
    }

    [Fact]
    public async Task Bad_appeals_are_refused_with_every_field_named()
    {
        var citizen = await Citizen();
        var request = new SubmitAppealRequest
        {
            RequestId = TestData.RequestId(),
            Category = "ufo",
            Description = new string('很', 2001),
            Location = new LatLng { Latitude = 39.9042, Longitude = 116.4074 },
            AttachmentRefs = { Enumerable.Range(0, 10).Select(i => $"oss://appeals/{i}.jpg") },
        };

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => citizen.SubmitAppealAsync(request).ResponseAsync);
        var empty = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => citizen.SubmitAppealAsync(Appeal("noise", "   ")).ResponseAsync);
        var oversized = Appeal("noise", "附件太长");
        oversized.AttachmentRefs.Add("oss://" + new string('a', 300));
        var tooLong = await RpcAssert.Fails(StatusCode.InvalidArgument, () => citizen.SubmitAppealAsync(oversized).ResponseAsync);

        Assert.Equal(["category", "description", "attachment_refs", "location"], RpcAssert.ViolatedFields(error));
        Assert.Equal(["description"], RpcAssert.ViolatedFields(empty));
        Assert.Equal(["attachment_refs"], RpcAssert.ViolatedFields(tooLong));
        Assert.DoesNotContain((await citizen.ListMyCasesAsync(new ListMyCasesRequest { PageSize = 100 })).Cases, c => c.Description == "附件太长");
    }

    [Fact]
    public async Task Text_with_control_characters_is_refused_and_text_across_lines_is_kept()
    {
        var citizen = await Citizen();
        var binary = Appeal("noise", "噪音\0扰民\u001b[31m");
        binary.AttachmentRefs.Add("oss://appeals/ok.jpg");
        binary.AttachmentRefs.Add("oss://appeals/\u0007.jpg");
        var lines = Appeal("noise", "第一行：楼下KTV\r\n第二行：\t凌晨两点仍在营业\n（完）");

        var error = await RpcAssert.Fails(StatusCode.InvalidArgument, () => citizen.SubmitAppealAsync(binary).ResponseAsync);
        var kept = await citizen.SubmitAppealAsync(lines);

        Assert.Equal(["description", "attachment_refs[1]"], RpcAssert.ViolatedFields(error));
        Assert.Equal("第一行：楼下KTV\r\n第二行：\t凌晨两点仍在营业\n（完）", (await citizen.GetCaseAsync(new GetCaseRequest { CaseId = kept.CaseId })).Description);
        Assert.DoesNotContain((await citizen.ListMyCasesAsync(new ListMyCasesRequest { PageSize = 100 })).Cases, c => c.Description.StartsWith("噪音", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_same_request_id_gives_the_same_case()
    {
        var citizen = await Citizen();
        var request = Appeal("garbage", "小区垃圾三天没清运。");
        request.AttachmentRefs.Add("oss://appeals/garbage.jpg");

        var first = await citizen.SubmitAppealAsync(request);
        var retry = await citizen.SubmitAppealAsync(request);
        var changed = request.Clone();
        changed.Description = "别的事情";
        var reused = await RpcAssert.Fails(StatusCode.InvalidArgument, () => citizen.SubmitAppealAsync(changed).ResponseAsync);

        Assert.Equal(first, retry); // the retry is answered from the stored case: what the first attempt answered is what was stored
        Assert.Equal("510104001001", first.UnitCode); // garbage is the community's
        Assert.Equal(["request_id"], RpcAssert.ViolatedFields(reused));
        Assert.Single((await citizen.ListMyCasesAsync(new ListMyCasesRequest())).Cases, c => c.CaseId == first.CaseId);
    }

    [Fact]
    public async Task A_submission_sent_eight_times_at_once_makes_one_case_listed_once_for_the_citizen_and_the_grid()
    {
        var citizen = await NewCitizen();
        var gridWorker = await Staff(TestIdentity.GridWorkerMobile);
        var since = DateTimeOffset.UtcNow.AddSeconds(-1);
        var request = Appeal("noise", "网络不好，提交按钮连点了八次。");

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => citizen.SubmitAppealAsync(request).ResponseAsync));
        var read = await citizen.GetCaseAsync(new GetCaseRequest { CaseId = answers[0].CaseId });
        var mine = await citizen.ListMyCasesAsync(new ListMyCasesRequest());
        var listed = new List<Case>();
        var pageToken = "";
        do
        {
            var page = await gridWorker.ListCasesAsync(new ListCasesRequest
            {
                UnitCode = TestIdentity.GridWorkerUnit,
                Category = "noise",
                SubmittedAfter = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(since),
                PageSize = 100,
                PageToken = pageToken,
            });
            listed.AddRange(page.Cases);
            pageToken = page.NextPageToken;
        }
        while (pageToken.Length > 0);

        Assert.All(answers, answer => Assert.Equal(answers[0], answer));
        Assert.Equal(answers[0], read);
        Assert.Equal([answers[0].CaseId], mine.Cases.Select(c => c.CaseId));
        Assert.Single(listed, c => c.CaseId == answers[0].CaseId);
    }

    [Fact]
    public async Task My_cases_come_newest_first_in_pages()
    {
        var citizen = await NewCitizen();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await citizen.SubmitAppealAsync(Appeal("noise", $"第{i}次反映"))).CaseId);
        }

        var first = await citizen.ListMyCasesAsync(new ListMyCasesRequest { PageSize = 2 });
        // A case submitted while the citizen pages (from another device) neither repeats nor hides one on the next pages.
        var meanwhile = (await citizen.SubmitAppealAsync(Appeal("noise", "翻页时又反映了一次"))).CaseId;
        var second = await citizen.ListMyCasesAsync(new ListMyCasesRequest { PageSize = 2, PageToken = first.NextPageToken });
        var last = await citizen.ListMyCasesAsync(new ListMyCasesRequest { PageSize = 2, PageToken = second.NextPageToken });
        var again = await citizen.ListMyCasesAsync(new ListMyCasesRequest { PageSize = 1 });
        var foreign = await RpcAssert.Fails(StatusCode.InvalidArgument,
            () => citizen.ListMyCasesAsync(new ListMyCasesRequest { PageToken = "2" }).ResponseAsync);

        ids.Reverse();
        Assert.Equal(ids, first.Cases.Concat(second.Cases).Concat(last.Cases).Select(c => c.CaseId));
        Assert.Equal("", last.NextPageToken);
        Assert.Equal([meanwhile], again.Cases.Select(c => c.CaseId));
        Assert.Equal(["page_token"], RpcAssert.ViolatedFields(foreign));
    }

    private static SubmitAppealRequest Appeal(string category, string description, LatLng? location = null) => new()
    {
        RequestId = TestData.RequestId(),
        Category = category,
        Description = description,
        Location = location ?? InFirstGrid,
        Address = "成都市锦江区春熙路",
    };

    private Task<CaseService.CaseServiceClient> Citizen() => Node.CasesAsCitizenAsync();

    private async Task<CaseService.CaseServiceClient> NewCitizen()
    {
        var account = NewAccount.Fresh();
        using (var browser = new BrowserSession(Node.Identity.Provider))
        {
            await browser.SignUpAsync(account);
        }

        return await Node.CasesAsCitizenAsync(account.Mobile, account.Password);
    }

    private Task<CaseService.CaseServiceClient> Staff(string mobile) => Node.CasesAsStaffAsync(mobile);

    private CaseService.CaseServiceClient CasesAs(string token) => new(Node.Channel.WithToken(token));
}
